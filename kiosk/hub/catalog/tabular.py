"""Reading a tabular datapackage (a zip of datapackage.json and CSV files) that staff upload,
without trusting it: every refusal is a *problem* naming the file, row and column, so the
import can say exactly what to fix, and any problem refuses the whole package.

Why each limit:
- The zip's own directory is checked before anything is unpacked (number of files, their total
  unpacked size, each file's compression ratio): a 482 KB zip can unpack to 300 MB. Each file
  is then read in bounded pieces, so a directory that understates a size cannot blow memory
  either (zipfile stops at the stated size and checks the CRC).
- CSV is parsed with ``strict=True`` and every row must have the header's number of fields: a
  single unclosed quote otherwise swallows the rest of the file into one field, silently.
- Every cell crosses the same boundary as a form's text (kiosk.boundary), plus the direction
  overrides a published text must not carry, so nothing stored can fail publishing later.
Nothing here imports Flask or the database.
"""
import csv
import io
import json
import pathlib
import struct
import zipfile
import zlib

from ...boundary import Refused, published_text_problem

MAX_FILES = 50
MAX_UNPACKED = 32 * 1024 * 1024
MAX_RATIO = 100             # unpacked size / packed size of one file
RATIO_FLOOR = 64 * 1024     # a small file may compress as well as it likes
CELL_LIMIT = 4000           # the catalog's text limit (kiosk.hub.catalog.admin.TEXT_LIMIT)
MAX_PROBLEMS = 100          # a broken file is not listed line by line forever
READ_CHUNK = 64 * 1024


class PackageRefused(Refused):
    """The package may not be imported; ``problems`` says why, each by file, row and column."""

    def __init__(self, problems):
        super().__init__("package")
        self.problems = problems


def problem(reason, file=None, row=None, column=None, **params):
    """One reason to refuse a package, as plain data (kept with the plan, shown translated)."""
    return {"reason": reason, "file": file, "row": row, "column": column, "params": params}


class Package:
    """The tables of a package that passed every check: {resource: [row dict]}, the file each
    resource came from and the spreadsheet row number of each row (the header is row 1)."""

    def __init__(self):
        self.tables, self.files, self.rows = {}, {}, {}

    def where(self, resource, index):
        """(file, row) of the ``index``-th row of ``resource``."""
        numbers = self.rows.get(resource) or []
        return self.files.get(resource), numbers[index] if index < len(numbers) else None


# --- the zip --------------------------------------------------------------------------------

def _directory(data):
    """(number of files, size of the directory) from the zip's end record, read before zipfile
    builds its list of files (which follows the directory's size, not the number); None if the
    data has no end record. 0xFFFF files: a ZIP64 archive, far more than a package needs."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or len(data) - at < 22:
        return None
    return struct.unpack_from("<HL", data, at + 10)


def _member_problem(info):
    name = info.filename
    parts = pathlib.PurePosixPath(name).parts
    if name.startswith("/") or "\\" in name or ":" in name or ".." in parts or len(parts) > 2:
        return problem("zip_path", file=name)
    if info.flag_bits & 0x1:
        return problem("zip_encrypted", file=name)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return problem("zip_method", file=name)
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return problem("zip_ratio", file=name, ratio=info.file_size // max(info.compress_size, 1),
                       limit=MAX_RATIO)
    return None


def _ignored(info):
    """Folders and the files a desktop adds when it zips a folder (macOS's __MACOSX, dot files)."""
    name = info.filename
    return name.endswith("/") or name.startswith("__MACOSX/") or pathlib.PurePosixPath(name).name.startswith(".")


def zip_members(data, max_files=MAX_FILES, max_unpacked=MAX_UNPACKED):
    """{file name: ZipInfo} of a package's files (at the top, or all in one folder), checked
    against the limits from the zip's directory alone; raises PackageRefused."""
    directory = _directory(data)
    if directory is None:
        raise PackageRefused([problem("not_zip")])
    # Folders and a desktop's leftovers come on top of the files (zipping a folder on a Mac
    # doubles them), hence room for four entries a file. A directory entry is 46 bytes and its
    # name: 1 KB each is generous.
    if directory[0] > 4 * max_files or directory[1] > 4 * max_files * 1024:
        raise PackageRefused([problem("zip_files", limit=max_files)])
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error,
            NotImplementedError):
        raise PackageRefused([problem("not_zip")]) from None
    infos = [i for i in infos if not _ignored(i)] if len(infos) <= 4 * max_files else infos
    if len(infos) > max_files:
        raise PackageRefused([problem("zip_files", limit=max_files)])
    problems = [p for p in map(_member_problem, infos) if p]
    total = sum(i.file_size for i in infos)
    if total > max_unpacked:
        problems.append(problem("zip_size", size=-(-total // (1024 * 1024)), limit=max_unpacked // (1024 * 1024)))
    members = {}
    for info in infos:
        base = pathlib.PurePosixPath(info.filename).name
        if base in members:
            problems.append(problem("zip_duplicate", file=base))
        members[base] = info
    if len({pathlib.PurePosixPath(i.filename).parts[:-1] for i in infos}) > 1:
        problems.append(problem("zip_folders"))
    if problems:
        raise PackageRefused(problems)
    return members


def read_member(data, info):
    """One file's bytes, read in bounded pieces: never more than its stated size and one byte
    (zipfile itself stops at the stated size and checks the CRC, so a lying size is caught)."""
    out, damaged = bytearray(), problem("zip_damaged", file=pathlib.PurePosixPath(info.filename).name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(info) as f:
            while len(out) <= info.file_size:
                chunk = f.read(min(READ_CHUNK, info.file_size + 1 - len(out)))
                if not chunk:
                    break
                out += chunk
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, zlib.error, RuntimeError,
            NotImplementedError, struct.error):
        raise PackageRefused([damaged]) from None
    if len(out) != info.file_size:
        raise PackageRefused([damaged])
    return bytes(out)


# --- datapackage.json and the CSV files ------------------------------------------------------

def _resources(raw):
    """[(resource name, file name)] from datapackage.json; raises PackageRefused."""
    try:
        package = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PackageRefused([problem("datapackage_json", file="datapackage.json")]) from None
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list) or not all(
            isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("path"), str)
            for r in resources):
        raise PackageRefused([problem("datapackage_json", file="datapackage.json")])
    return [(r["name"], pathlib.PurePosixPath(r["path"]).name) for r in resources]


def read_package(data, max_files=MAX_FILES, max_unpacked=MAX_UNPACKED):
    """The checked tables of a datapackage zip (a Package); raises PackageRefused with every
    problem found (up to MAX_PROBLEMS), so one upload shows everything to fix."""
    members = zip_members(data, max_files, max_unpacked)
    if "datapackage.json" not in members:
        raise PackageRefused([problem("no_datapackage")])
    package, problems = Package(), []
    for name, path in _resources(read_member(data, members["datapackage.json"])):
        if path not in members or name in package.tables:
            continue   # HSDS lists every table; a package holds the ones it fills
        header, rows, numbers, found = read_csv(path, read_member(data, members[path]))
        problems += found
        package.tables[name] = [dict(zip(header, r)) for r in rows]
        package.files[name], package.rows[name] = path, numbers
        if len(problems) >= MAX_PROBLEMS:
            break
    problems += duplicate_ids(package)
    if problems:
        raise PackageRefused(problems[:MAX_PROBLEMS])
    return package


def _decode(name, raw):
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, problem("encoding", file=name, row=raw.count(b"\n", 0, exc.start) + 1)


def read_csv(name, raw):
    """(header, [row as a list], [its row number], [problems]) of one CSV file."""
    text, bad = _decode(name, raw)
    if bad:
        return [], [], [], [bad]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, rows, numbers, problems = None, [], [], []
    record, line_before = 0, 0
    while len(problems) < MAX_PROBLEMS:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:
            # The csv module says what it met, not where: the field whose quote opened it.
            column = quote_column(text, line_before)
            problems.append(problem("csv" if column is None else "quote", file=name, row=record + 1,
                                    column=_name(header, column), line=line_before + 1))
            break
        record += 1
        line_before = reader.line_num
        if header is None:
            header = [h.strip() for h in fields]
            problems += _header_problems(name, header)
            continue
        if not fields:
            continue   # a blank line: no record, but still a row of the spreadsheet
        fields, found = _row(name, record, header, fields)
        problems += found
        rows.append(fields)
        numbers.append(record)
    if header is None and not problems:
        problems.append(problem("empty_file", file=name))
    return header or [], rows, numbers, problems


def _name(header, index):
    return header[index] if header and index is not None and index < len(header) else None


def _header_problems(name, header):
    seen, out = set(), []
    for column in header:
        if published_text_problem(column) or column in seen:
            out.append(problem("bad_header", file=name, row=1, column=column))
        seen.add(column)
    return out


def _row(name, record, header, fields):
    """(the row's cells as they may be stored, [problems])."""
    out = []
    if len(fields) != len(header):
        out.append(problem("field_count", file=name, row=record, found=len(fields), expected=len(header)))
    cells = []
    for index, value in enumerate(fields):
        why = cell_problem(value, len(header))
        if why:
            out.append(problem(why[0], file=name, row=record, column=_name(header, index), **why[1]))
        cells.append(value.replace("\r\n", "\n").replace("\r", "\n"))
    return cells, out


def cell_problem(value, columns):
    """None if a cell may be imported, else (why not, details): a character the boundary
    refuses (as a form's text) or a published text must not carry, a text longer than the
    catalog keeps, or a field that holds what look like more rows."""
    if published_text_problem(value):
        char = next((ch for ch in value if published_text_problem(ch)), "")
        return "control_character", {"char": f"U+{ord(char):04X}" if char else ""}
    if len(value) > CELL_LIMIT:
        return "too_long", {"limit": CELL_LIMIT}
    if swallowed_rows(value, columns):
        return "quote_swallowed", {}
    return None


def swallowed_rows(value, columns):
    """True if a (quoted) field holds lines that each look like a whole row of the file: what an
    unclosed quote does when the quote that finally ends it happens to stand before a comma.
    A line counts when it has as many commas as a row of the file (at least two)."""
    if "\n" not in value or columns < 3:
        return False
    return any(line.count(",") >= columns - 1 for line in value.split("\n")[1:])


def quote_column(text, line_before):
    """The field (0-based) of the record that starts after line ``line_before`` in which a
    quoted text opened and was not closed properly, or None: where the csv module's error is."""
    lines = text.splitlines(keepends=True)
    chunk = "".join(lines[line_before:])
    field, opened, quoted, i = 0, None, False, 0
    at_start = True
    while i < len(chunk):
        ch = chunk[i]
        if quoted:
            if ch == '"':
                if chunk[i + 1:i + 2] == '"':
                    i += 1
                elif chunk[i + 1:i + 2] in (",", "\r", "\n", ""):
                    quoted = False
                else:
                    return opened
        elif ch == '"' and at_start:
            quoted, opened = True, field
        elif ch == ",":
            field += 1
            at_start = True
            i += 1
            continue
        elif ch in "\r\n":
            field, opened = 0, None
        at_start = False
        i += 1
    return opened if quoted else None


def duplicate_ids(package):
    """A problem for each row whose id an earlier row of the same table has, or has none."""
    out = []
    for resource, rows in package.tables.items():
        if not rows or "id" not in rows[0]:
            continue
        first = {}
        for index, row in enumerate(rows):
            file, number = package.where(resource, index)
            rid = (row.get("id") or "").strip()
            if not rid:
                out.append(problem("missing_id", file=file, row=number, column="id"))
            elif rid in first:
                out.append(problem("duplicate_id", file=file, row=number, column="id", id=rid, other=first[rid]))
            else:
                first[rid] = number
    return out
