"""Checks of an order template a municipality uploads: a real Word document (not a macro file, not a zip bomb),
only the known placeholders, a loop over the pairs, and a trial rendering with sample data.

Each refusal is a `TemplateRejected` with a Russian message an operator can act on."""

from __future__ import annotations

import io
import re
import zipfile

from docxtpl import DocxTemplate
from jinja2 import TemplateError, nodes

from services.matching.domain.order_document import (
    PAIR_FIELDS,
    PLACEHOLDERS,
    SAMPLE,
    order_docx,
    template_environment,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024
MAIN_PART = "word/document.xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACROS = ("macroEnabled", "vbaProject")
LOOP_HINT = "{%tr for p in pairs %} … {%tr endfor %}"
MISSING_ATTRIBUTE = re.compile(r"has no attribute '([^']+)'")


class TemplateRejected(Exception):
    """The uploaded file cannot be an order template; the message says why, in Russian."""


def _known() -> str:
    return ", ".join(PLACEHOLDERS) + "; поля пары: " + ", ".join(f"p.{name}" for name in PAIR_FIELDS)


def _check_package(content: bytes) -> None:
    """A .docx of sensible size: a zip with the main document part, not macro-enabled, not a template (.dotx)."""
    if not content:
        raise TemplateRejected("Файл шаблона пуст")
    if len(content) > MAX_BYTES:
        raise TemplateRejected(f"Шаблон больше {MAX_BYTES // (1024 * 1024)} МБ")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise TemplateRejected("Это не документ Word (.docx): сохраните шаблон в Word как «Документ Word (.docx)»")
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        entries = package.infolist()
        names = {entry.filename for entry in entries}
        if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
            raise TemplateRejected("Шаблон распаковывается в слишком большой объём")
        if "[Content_Types].xml" not in names or MAIN_PART not in names:
            raise TemplateRejected("Это не документ Word (.docx): в архиве нет основного текста документа")
        types = package.read("[Content_Types].xml").decode("utf-8", "replace")
    if any(marker in types or any(marker in name for name in names) for marker in MACROS):
        raise TemplateRejected("Документы с макросами (.docm) не принимаются: сохраните шаблон как .docx")
    if DOCX_MAIN not in types:
        raise TemplateRejected("Это не документ Word (.docx): сохраните шаблон как «Документ Word (.docx)», "
                               "а не как шаблон (.dotx) или другой формат")


def _loops_over_pairs(template: DocxTemplate) -> bool:
    """Whether the template's Jinja text has a `for … in pairs` loop."""
    source = template.patch_xml(template.get_xml())
    tree = template_environment().parse(source)
    return any(isinstance(loop.iter, nodes.Name) and loop.iter.name == "pairs" for loop in tree.find_all(nodes.For))


def check_template(content: bytes) -> None:
    """Refuse (`TemplateRejected`) a file that is not a usable order template; return quietly otherwise."""
    _check_package(content)
    try:
        template = DocxTemplate(io.BytesIO(content))
        template.init_docx()
        variables = template.get_undeclared_template_variables(template_environment())
    except TemplateError as broken:
        raise TemplateRejected(f"Ошибка в разметке шаблона: {broken.message or broken}") from None
    except Exception as broken:  # noqa: BLE001 - python-docx and lxml raise many kinds on a damaged file
        raise TemplateRejected(f"Документ не читается как .docx: {type(broken).__name__}") from None
    unknown = sorted(variables - set(PLACEHOLDERS))
    if unknown:
        raise TemplateRejected("Неизвестные поля в шаблоне: " + ", ".join(f"{{{{ {name} }}}}" for name in unknown)
                               + f". Допустимы: {_known()}")
    if not _loops_over_pairs(template):
        raise TemplateRejected(f"В шаблоне нет таблицы пар: добавьте строку с перебором пар {LOOP_HINT}")
    try:
        order_docx(SAMPLE, content)
    except TemplateError as broken:
        missing = MISSING_ATTRIBUTE.search(str(broken))
        if missing:
            raise TemplateRejected(f"Неизвестное поле пары: p.{missing.group(1)}. Допустимы: {_known()}") from None
        raise TemplateRejected(f"Шаблон не заполняется пробными данными: {broken}") from None
    except Exception as broken:  # noqa: BLE001 - a broken table loop fails in lxml or python-docx
        raise TemplateRejected(f"Шаблон не заполняется пробными данными: {type(broken).__name__}") from None
