"""Benchmark: importing a 10,000-row bank of mentors through the registry API (SQLite, embedded default).

python -m tests.bench.bench_import [--rows 10000] [--out var/bench/import.json]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import random
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

from services.registry.app import create_app
from shared.auth import issue_token
from shared.config import Settings

HEADER = ["Район", "ОО, где работает наставник", "ФИО наставника", "Наставляемый. Кто может стать наставляемым",
          "Предмет", "Направление совместной деятельности", "Примерный стаж наставляемого",
          "Предполагаемая категория наставляемого", "Электронный адрес наставника, страница (если есть)",
          "Уровень образования", "Максимум наставляемых", "Формат", "Согласие на публикацию"]
SUBJECTS = ["Математика", "Русский язык", "Начальные классы", "Английский язык", "История", "Физика", "Химия",
            "Биология", "Информатика", "Литература", "География", "Физическая культура", "Музыка"]


def mentor_file(rows: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Банк")
    sheet.append(["Банк наставников (сгенерирован для замера)"])
    sheet.append(HEADER)
    for i in range(rows):
        district = f"Район {i % 20 + 1}"
        sheet.append([district, f"МБОУ СОШ № {i % 400 + 1} ({district})", f"Наставник{i} Анна Петровна",
                      "Молодой специалист", rng.choice(SUBJECTS), "Методическая деятельность, Обучение", "0-3",
                      rng.choice(["Первая", "Высшая категория", "СЗД"]), f"mentor{i}@example.ru",
                      rng.choice(["Основное общее", "Среднее общее", "1-4"]), rng.randint(1, 3),
                      rng.choice(["очно", "очно/дистанционно"]), rng.choice(["да", "нет"])])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(rows: int) -> dict:
    content = mentor_file(rows)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(service="registry", var_dir=Path(tmp), region_id="86", log_level="CRITICAL")
        client = create_app(settings).test_client()
        headers = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
        figures = {}
        for label, params in (("dry_run", {"dry_run": "true"}), ("first_import", {}), ("re_import", {})):
            started = time.perf_counter()
            response = client.post("/api/v1/imports", query_string={"kind": "mentors", **params},
                                   data={"file": (io.BytesIO(content), "bank.xlsx")}, headers=headers,
                                   content_type="multipart/form-data")
            seconds = time.perf_counter() - started
            body = response.json
            assert response.status_code == 200, body
            figures[label] = {"seconds": round(seconds, 3), "created": body["created"],
                              "unchanged": body["unchanged"], "valid": body["valid"]}
    return {"rows": rows, "file_bytes": len(content), **figures,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--out", default="var/bench/import.json")
    args = parser.parse_args()
    result = {"benchmark": "registry import", "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.node()} {platform.machine()}", "python": platform.python_version(),
              "command": f"python -m tests.bench.bench_import --rows {args.rows}", "result": run(args.rows)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
