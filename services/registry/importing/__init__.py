"""The spreadsheet pipeline of the registry: an uploaded XLSX or CSV in, typed records and Russian errors out.

Pure: no web, database or broker library. `importer.import_file` is the entry point; `spreadsheet` and
`xlsx` read the bytes (guarding against hostile files, limits in `sheets`), `columns` finds the header,
`rows` validates each row with the cell parsers of `cells`, the dictionary lookups of `spelling`,
`experience` and the guesses of `inference`, into the `records`.
"""
