"""XLSX reading with python-calamine, after the zip container is checked against bombs and oversize sheets.

Before calamine sees a byte, every zip member is decompressed as a stream with a hard cap: the declared
sizes, the compression ratio and the real sizes are checked, and worksheet XML is scanned for the
largest row and column so that a tiny file cannot make the reader allocate a huge dense grid.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import python_calamine

from services.registry.importing.sheets import (
    HEADER_ALLOWANCE,
    ImportFileError,
    Limits,
    Row,
    Sheet,
    check_cells,
    too_many_rows,
)

_CHUNK = 1 << 20
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_REF = re.compile(rb'\sr="([A-Za-z]*)(\d*)"')
_ROW_TAGS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b")
_CELL_TAGS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b")
_ROW_REFS = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\sr="(\d+)"')
_CELL_REFS = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\sr="([A-Za-z]+)\d*"')
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _corrupt() -> ImportFileError:
    return ImportFileError("Файл XLSX повреждён или обрезан", "corrupt_file")


def _bomb(detail: str) -> ImportFileError:
    return ImportFileError(f"Архив XLSX отклонён как подозрительный: {detail}", "zip_bomb", 413)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - 64
    return index


class _Extent:
    """Largest row and column met while scanning worksheet XML chunk by chunk."""

    def __init__(self) -> None:
        self.row = self.column = self.max_row = self.max_column = 0
        self.formulas = False
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        buffer = self.tail + chunk
        cut = buffer.rfind(b"<")
        if cut < 0 or b">" in buffer[cut:]:
            cut = len(buffer)
        self.tail = buffer[cut:][-65536:]
        part = buffer[:cut]
        self.formulas = self.formulas or _FORMULA_TAG.search(part) is not None
        rows = _ROW_REFS.findall(part)
        columns = _CELL_REFS.findall(part)
        if len(rows) == len(_ROW_TAGS.findall(part)) and len(columns) == len(_CELL_TAGS.findall(part)):
            if rows:
                self.row = int(rows[-1])
            if columns:
                self.column = _column_index(columns[-1])
            self.max_row = max(self.max_row, *map(int, rows), 0)
            self.max_column = max(self.max_column, *map(_column_index, set(columns)), 0)
            return
        self._walk(part)

    def _walk(self, part: bytes) -> None:
        """Follow every tag in order, for sheets that leave out row or cell references."""
        for match in _TAG.finditer(part):
            ref = _REF.search(match.group(2))
            if match.group(1) == b"row":
                self.row = int(ref.group(2)) if ref and ref.group(2) else self.row + 1
                self.column = 0
            else:
                self.column = _column_index(ref.group(1)) if ref and ref.group(1) else self.column + 1
            self.max_row = max(self.max_row, self.row)
            self.max_column = max(self.max_column, self.column)


def check_xlsx(data: bytes, limits: Limits) -> None:
    """Reject a broken or truncated zip, a zip bomb and sheets wider or longer than the limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as error:
        raise _corrupt() from error
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            raise ImportFileError("Архив не является книгой Excel (XLSX)", "not_spreadsheet", 415)
        if len(members) > limits.max_zip_members:
            raise _bomb(f"больше {limits.max_zip_members} частей")
        if sum(member.file_size for member in members) > limits.max_uncompressed_bytes:
            raise _bomb(f"распакованный объём больше {limits.max_uncompressed_bytes / 2**20:g} МБ")
        for member in members:
            if member.file_size > _CHUNK and member.file_size > limits.max_compression_ratio * max(
                    member.compress_size, 1):
                raise _bomb(f"степень сжатия части {member.filename} больше {limits.max_compression_ratio}")
        total = 0
        try:
            for member in members:
                extent = _Extent() if member.filename.startswith("xl/worksheets/") else None
                size = 0
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > member.file_size:
                            raise _bomb(f"часть {member.filename} больше заявленного размера")
                        if total > limits.max_uncompressed_bytes:
                            raise _bomb(f"распакованный объём больше {limits.max_uncompressed_bytes / 2**20:g} МБ")
                        if extent is not None:
                            extent.feed(chunk)
                if extent is not None:
                    _check_extent(extent, limits)
        except ImportFileError:
            raise
        except Exception as error:
            raise _corrupt() from error


def _check_extent(extent: _Extent, limits: Limits) -> None:
    if extent.formulas:
        raise ImportFileError("В книге есть формулы. Загрузите копию, где вместо формул сохранены значения "
                              "(«Специальная вставка» → «Значения»)", "formulas")
    if extent.max_column > limits.max_columns:
        raise ImportFileError(f"Слишком много столбцов на листе: больше {limits.max_columns}",
                              "too_many_columns")
    if extent.max_row > limits.max_rows + HEADER_ALLOWANCE:
        raise too_many_rows(limits)
    if extent.max_row * extent.max_column > limits.max_cells:
        raise ImportFileError(f"Слишком много ячеек на листе: больше {limits.max_cells}", "too_many_cells")


def cell_text(value: object) -> str:
    """A cell value as text: integral numbers without `.0`, dates in ISO form, booleans as да/нет."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return "" if value is None else str(value)


def read_xlsx(data: bytes, limits: Limits) -> list[Sheet]:
    """Check the archive, then read every visible worksheet with calamine, filling merged ranges down."""
    check_xlsx(data, limits)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [meta.name for meta in workbook.sheets_metadata
                   if meta.visible == python_calamine.SheetVisibleEnum.Visible
                   and meta.typ == python_calamine.SheetTypeEnum.WorkSheet][: limits.max_sheets]
        sheets = [_read_sheet(workbook.get_sheet_by_name(name), limits) for name in visible]
    except ImportFileError:
        raise
    except Exception as error:
        raise _corrupt() from error
    if not sheets:
        raise ImportFileError("В книге нет листов с данными", "empty_file")
    return sheets


def _read_sheet(sheet: python_calamine.CalamineSheet, limits: Limits) -> Sheet:
    if sheet.width > limits.max_columns:
        raise ImportFileError(f"Слишком много столбцов на листе: больше {limits.max_columns}",
                              "too_many_columns")
    grid = [[value if type(value) is str else cell_text(value) for value in values]
            for values in sheet.to_python(skip_empty_area=False)]
    filled = [index for index, cells in enumerate(grid) if any(cell.strip() for cell in cells)]
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        if bottom <= top or top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for index in range(top + 1, min(bottom, len(grid) - 1) + 1):
            cells = grid[index]
            for column in range(left, min(right, len(cells) - 1) + 1):
                cells[column] = cells[column] or value
    rows: list[Row] = []
    for index in filled:
        check_cells(grid[index], index + 1, limits)
        rows.append((index + 1, tuple(grid[index])))
    return Sheet(sheet.name, tuple(rows))
