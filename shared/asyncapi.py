"""The AsyncAPI 3.0 document of the event catalog: what an integrator subscribes to and what each message holds.

Built from `shared.event_catalog` alone, so it can never describe an event the services do not publish;
`mentoring schemas --write` keeps it in `shared/schemas/asyncapi.yaml`, and the registry and matching services
serve the same bytes at `/asyncapi.yaml`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml
from flask import Response
from flask_openapi3 import APIBlueprint

from shared.event_catalog import CATALOG, INTERNAL_TYPES, PERSONAL_DATA, PUBLIC_SUBJECTS, SCHEMA_DIR, json_schema
from shared.web import health_tag

ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_VERSION = "1.0.0"
DOCUMENT_PATH = SCHEMA_DIR / "asyncapi.yaml"
YAML_MEDIA_TYPE = "application/yaml"
STREAM = "MENTORING"
EMBEDDED_NATS = "127.0.0.1:4223"

DESCRIPTION = """\
События наставничества в образовательных организациях: реестр школ, наставников и наставляемых, запуски \
подбора и пары от предложения до завершения. Интеграторы (региональный портал, кадровая система, сайт школы) \
только подписываются на них; публикуют события одни ретрансляторы исходящих очередей сервисов.

Каждое сообщение — событие CloudEvents 1.0 в структурированном виде (JSON). Тема NATS совпадает с типом события \
(`type`), заголовок `Nats-Msg-Id` — с его идентификатором (`id`): по нему JetStream отбрасывает повторы, и по нему \
же потребитель узнаёт уже обработанное. Все темы `mentoring.>` хранит поток JetStream `{stream}`; чтобы читать \
его с любого места (например, с даты), создайте свой постоянный потребитель с фильтром по одной из описанных \
здесь тем. Учётную запись интегратора (имя и пароль, по желанию сертификат клиента для TLS) выдаёт оператор; \
с ней можно только читать описанные здесь темы и создавать свои потребители. Служебные темы сервисов \
({internal}) в документ не входят и интегратору закрыты. Руководство с примером потребителя — `docs/integrators.md`.

Персональные данные (152-ФЗ). События не несут контактов (почта, телефон, страница) и ФИО в открытом виде: \
ФИО запечатаны ключом сервисов (поля `*_sealed`, токен Fernet), открыть их могут только сервисы, а интегратор \
получает ФИО через API по своей роли. Поля, которые всё же \
остаются персональными данными, помечены в схемах расширением `x-personal-data` с объяснением, зачем они нужны: \
{personal}. Остальные сведения о наставнике и наставляемом (предметы, стаж, категория) связаны с человеком \
только через идентификатор. Событие `*.erased` означает, что человек обезличен по запросу или по сроку хранения: \
замените у себя всё, что получили о нём раньше.
"""


SECURITY = {"$ref": "#/components/securitySchemes/integrator"}


def public_types() -> list[str]:
    """The event types an integrator may read: the catalog without the services' internal hand-over."""
    return sorted(set(CATALOG) - INTERNAL_TYPES)


def personal_fields() -> list[str]:
    """Every `model.field` of the public types marked as personal data, sorted."""
    return sorted({f"{model.__name__}.{name}" for model in {CATALOG[t] for t in public_types()}
                   for name, schema in model.model_json_schema()["properties"].items() if PERSONAL_DATA in schema})


def _name(type_: str) -> str:
    """An AsyncAPI component key for an event type (keys allow letters, digits, `_` and `-`, not dots)."""
    return type_.removeprefix("mentoring.").replace(".", "_")


def _payload_schema(type_: str) -> dict[str, Any]:
    schema = json_schema(type_)
    schema.pop("$id")
    schema.pop("$schema", None)
    schema["title"] = CATALOG[type_].__name__
    return schema


def _envelope(type_: str) -> dict[str, Any]:
    """The CloudEvents envelope of one event type, its `data` a reference to the payload's schema."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["specversion", "id", "type", "source", "subject", "time", "datacontenttype", "data"],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {"type": "string", "description": "идентификатор события; он же заголовок Nats-Msg-Id"},
            "type": {"type": "string", "const": type_},
            "source": {"type": "string", "description": "сервис-источник, например /registry"},
            "subject": {"type": "string", "description": "идентификатор записи, о которой событие"},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "data": {"$ref": f"#/components/schemas/{CATALOG[type_].__name__}"},
        },
    }


def build_document() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of the catalog's public types, as a plain dict (YAML- and JSON-ready)."""
    types = public_types()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for type_ in types:
        key = _name(type_)
        channels[key] = {
            "address": type_,
            "title": type_,
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "servers": [{"$ref": "#/servers/embedded"}, {"$ref": "#/servers/region"}],
        }
        operations[f"receive_{key}"] = {
            "action": "receive",
            "title": f"Получить {type_}",
            "summary": "Подписка интегратора; публикует событие только ретранслятор сервиса",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
        }
        messages[key] = {
            "name": type_,
            "title": type_,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/NatsHeaders"},
            "payload": _envelope(type_),
            "correlationId": {"description": "идентификатор события", "location": "$message.header#/Nats-Msg-Id"},
        }
    schemas: dict[str, Any] = {CATALOG[t].__name__: _payload_schema(t) for t in types}
    schemas["NatsHeaders"] = {
        "type": "object",
        "required": ["Nats-Msg-Id"],
        "properties": {"Nats-Msg-Id": {"type": "string", "description": "идентификатор события (id): "
                                                                         "JetStream отбрасывает повторы по нему"}},
    }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "События наставничества",
            "version": DOCUMENT_VERSION,
            "description": DESCRIPTION.format(stream=STREAM, personal=", ".join(f"`{f}`" for f in personal_fields()),
                                              internal=", ".join(f"`{t}`" for t in sorted(INTERNAL_TYPES))),
        },
        "defaultContentType": "application/json",
        # The filters an integrator's consumer may be created with (one per consumer): the broker refuses others.
        "x-nats-filters": list(PUBLIC_SUBJECTS),
        "servers": {
            "embedded": {"host": EMBEDDED_NATS, "protocol": "nats", "security": [SECURITY],
                         "description": "встроенный стенд (`mentoring up`) на этой машине"},
            "region": {"host": "{host}:4222", "protocol": "nats", "security": [SECURITY],
                       "description": "кластер NATS региона: адрес и учётные данные выдаёт оператор",
                       "variables": {"host": {"description": "имя узла кластера NATS региона",
                                              "default": "nats.example.org"}}},
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages, "securitySchemes": {"integrator": {
            "type": "userPassword", "description": "учётная запись интегратора в NATS (NATS_USER и NATS_PASSWORD); "
                                                  "в кластере региона — по TLS, если оператор его включил"}}},
    }


def render_yaml(document: dict[str, Any]) -> str:
    """The document as YAML: keys sorted, Cyrillic kept readable, so the same catalog gives the same bytes."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=True, width=120, default_flow_style=False)


@cache
def document_yaml() -> str:
    """The catalog's document, rendered once per process."""
    return render_yaml(build_document())


# What the OpenAPI document says of `/asyncapi.yaml` (schemathesis parses the YAML and checks it against this).
DOCUMENT_SCHEMA = {"type": "object", "description": "документ AsyncAPI 3.0 в YAML",
                   "required": ["asyncapi", "info", "servers", "channels", "operations", "components"],
                   "properties": {"asyncapi": {"type": "string", "const": ASYNCAPI_VERSION}}}


def asyncapi_blueprint() -> APIBlueprint:
    """`GET /asyncapi.yaml`: public, like the OpenAPI document (the registry and matching services serve it)."""
    bp = APIBlueprint("asyncapi", __name__, abp_tags=[health_tag])

    @bp.get("/asyncapi.yaml", summary="Каталог событий (AsyncAPI 3.0)",
            responses={200: {"content": {YAML_MEDIA_TYPE: {"schema": DOCUMENT_SCHEMA}}}})
    def asyncapi_yaml() -> Response:
        return Response(document_yaml(), mimetype=YAML_MEDIA_TYPE)

    return bp
