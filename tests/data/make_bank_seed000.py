"""Write `bank_seed000.xlsx`: the bank of mentors as seed 000 shows it (its image of the municipal bank).

The eight sample rows of the seed's Белохолуницкий district, its nine headers (with the line breaks of the
image), the district written once over merged cells A2:A9. Run: `.venv/bin/python tests/data/make_bank_seed000.py`.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HEADER = ["Муниципалитет", "Образовательная\nорганизация", "ФИО", "Направление\nпомощи", "Предметная\nобласть",
          "Направление профессиональной\nдеятельности", "Стаж", "Категория", "ссылка"]
YOUNG = "молодой/малоопытный педагог"
ROWS = [
    ["МБОУ СОШ № 12 г. Белая Холуница", "Тополева Елена Анатольевна", YOUNG, "Русский язык и литература",
     "Внеурочная деятельность", "21-30", "высшая категория", "https://sosh12.bhol.ru/deyatelnost/nastavnichestvo"],
    ["МБОУ ООШ п. Поломы", "Заварзина Татьяна Ивановна", YOUNG, "Биология", "Классное руководство", "21-30",
     "первая категория", "https://polomy.bhol.ru/deyatelnost/nastavnichestvo"],
    ["МБОУ СОШ № 11 г. Белая Холуница", "Попова Марина Борисовна", YOUNG, "Начальная школа", "Руководство",
     "31-40", "высшая категория", "https://sosh11.bhol.ru/o-shkole/rukovodstvo-i-pedagogicheskij-sostav"],
    ["МБОУ Круглыжская СОШ", "Мартыненко Марина Максимовна", YOUNG, "Русский язык и литература",
     "Инклюзивное обучение", "31-40", "высшая категория", "https://krut.bhol.ru/deyatelnost/nastavnichestvo"],
    ["МБОУ Сосновская СОШ", "Гуреева Татьяна Петровна", YOUNG, "Английский язык", "Инновационный проект",
     "11-20", "первая категория", "https://sosn.bhol.ru/metodicheskaya-rabota/nastavnichestvo"],
    ["МБОУ СОШ № 10 г. Белая Холуница", "Николаева Ирина Николаевна", YOUNG, "Математика", "Руководство",
     "21-30", "высшая категория", "https://sosh10.bhol.ru/o-shkole/rukovodstvo-i-pedagogicheskij-sostav"],
    ["МБОУ Никольская ООШ", "Рамзина Елена Сергеевна", "молодой педагог", "Биология", "Внеурочная деятельность",
     "0-10", "без категории", "https://vk.com/club212254261"],
    ["МБОУ Прокопьевская СОШ", "Вахрушева Ольга Владимировна", YOUNG, "Начальная школа", "Руководство",
     "31-40", "высшая категория", "https://prok.bhol.ru/o-shkole/rukovodstvo-i-pedagogicheskij-sostav"],
]


def build(path: Path) -> None:
    """Write the workbook to `path`."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Банк наставников"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, row in enumerate(ROWS):
        sheet.append(["Белохолуницкий" if index == 0 else None, *row])
    sheet.merge_cells(start_row=2, start_column=1, end_row=1 + len(ROWS), end_column=1)
    sheet["A2"].alignment = Alignment(vertical="center")
    book.save(path)


if __name__ == "__main__":
    build(Path(__file__).with_name("bank_seed000.xlsx"))
