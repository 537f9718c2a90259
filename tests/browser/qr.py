"""A small QR code reader for the browser tests: the "phone camera" that scans the BankID QR code on the page.

The page shows the QR code as the SVG the server drew (segno: one ``<path>`` of horizontal runs of dark modules).
``read_svg`` turns that drawing back into the module grid and decodes it as a phone would: format information,
mask, the codewords in zigzag order, de-interleaving, and the data segments. There is no error correction: the
drawing is exact, so the data codewords are read as they are. Test-only; never part of a frontend.
"""

from __future__ import annotations

import re

# ISO/IEC 18004 tables by version (index 0 unused), for the error correction levels L, M, Q, H.
ECC_CODEWORDS_PER_BLOCK = {
    "L": (-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28,
          30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "M": (-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28,
          28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28),
    "Q": (-1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28,
          30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
    "H": (-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30,
          30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30),
}  # fmt: skip
NUM_BLOCKS = {
    "L": (-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17,
          18, 19, 19, 20, 21, 22, 24, 25),
    "M": (-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29,
          31, 33, 35, 37, 38, 40, 43, 45, 47, 49),
    "Q": (-1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38,
          40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68),
    "H": (-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45,
          48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81),
}  # fmt: skip
FORMAT_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
MASKS = (
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: y % 2 == 0,
    lambda x, y: x % 3 == 0,
    lambda x, y: (x + y) % 3 == 0,
    lambda x, y: (x // 3 + y // 2) % 2 == 0,
    lambda x, y: x * y % 2 + x * y % 3 == 0,
    lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
    lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
)

Grid = list[list[bool]]  # grid[y][x], True = dark


class QrUnreadable(ValueError):
    pass


def modules_from_svg(svg: str) -> Grid:
    """The dark modules of a segno SVG: ``M``/``m`` moves and ``h`` runs, in module units, around a quiet zone."""
    match = re.search(r'<path[^>]*\bd="([^"]+)"', svg)
    if match is None:
        raise QrUnreadable("no path in the SVG")
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])\s*(-?[\d.]+)(?:[\s,]+(-?[\d.]+))?", match.group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            run = float(a)
            dark.update((int(x) + i, int(y)) for i in range(int(run)))
            x += run
    if not dark:
        raise QrUnreadable("no dark modules")
    left, top = min(p[0] for p in dark), min(p[1] for p in dark)
    size = max(max(p[0] for p in dark) - left, max(p[1] for p in dark) - top) + 1
    return [[(left + c, top + r) in dark for c in range(size)] for r in range(size)]


def read_svg(svg: str) -> str:
    return decode(modules_from_svg(svg))


def _alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    last = version * 4 + 17 - 7
    return [6, *reversed([last - i * step for i in range(count - 1)])]


def _function_modules(version: int) -> Grid:
    size = version * 4 + 17
    fn = [[False] * size for _ in range(size)]

    def mark(x0: int, y0: int, w: int, h: int) -> None:
        for y in range(max(0, y0), min(size, y0 + h)):
            for x in range(max(0, x0), min(size, x0 + w)):
                fn[y][x] = True

    mark(0, 0, 9, 9)  # finder, separator, format information
    mark(size - 8, 0, 8, 9)
    mark(0, size - 8, 9, 8)
    mark(6, 0, 1, size)  # timing
    mark(0, 6, size, 1)
    positions = _alignment_positions(version)
    corners = {(6, 6), (6, size - 7), (size - 7, 6)}  # covered by the finders
    for cy in positions:
        for cx in positions:
            if (cx, cy) not in corners:
                mark(cx - 2, cy - 2, 5, 5)
    if version >= 7:  # version information
        mark(size - 11, 0, 3, 6)
        mark(0, size - 11, 6, 3)
    return fn


def _format_word(level: str, mask: int) -> int:
    data = FORMAT_BITS[level] << 3 | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return (data << 10 | rem) ^ 0x5412


def _format(grid: Grid) -> tuple[str, int]:
    """The error correction level and mask, read from the copy of the format bits around the top-left finder."""
    positions = [(8, i) for i in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(14 - i, 8) for i in range(9, 15)]
    read = sum(1 << i for i, (x, y) in enumerate(positions) if grid[y][x])
    for level in FORMAT_BITS:
        for mask in range(8):
            if _format_word(level, mask) == read:
                return level, mask
    raise QrUnreadable("unreadable format information")


def _raw_codewords(version: int) -> int:
    modules = (16 * version + 128) * version + 64
    if version >= 2:
        count = version // 7 + 2
        modules -= (25 * count - 10) * count - 55
        if version >= 7:
            modules -= 36
    return modules // 8


def _data_codewords(grid: Grid, version: int, level: str, mask: int) -> bytes:
    size = len(grid)
    fn = _function_modules(version)
    bits: list[int] = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = (right + 1) & 2 == 0
        for vert in range(size):
            y = size - 1 - vert if upward else vert
            for x in (right, right - 1):
                if not fn[y][x]:
                    bits.append(int(grid[y][x] != MASKS[mask](x, y)))
        right -= 2
    total = _raw_codewords(version)
    codewords = [int("".join(map(str, bits[i * 8 : i * 8 + 8])), 2) for i in range(total)]
    blocks, ecc = NUM_BLOCKS[level][version], ECC_CODEWORDS_PER_BLOCK[level][version]
    short = blocks - total % blocks
    data_lengths = [total // blocks - ecc + (0 if i < short else 1) for i in range(blocks)]
    per_block: list[list[int]] = [[] for _ in range(blocks)]
    index = 0
    for i in range(max(data_lengths)):
        for b in range(blocks):
            if i < data_lengths[b]:
                per_block[b].append(codewords[index])
                index += 1
    return bytes(c for block in per_block for c in block)


def _segments(data: bytes, version: int) -> str:
    bits = "".join(f"{byte:08b}" for byte in data)
    pos = 0

    def take(n: int) -> int:
        nonlocal pos
        if pos + n > len(bits):
            raise QrUnreadable("the data ends early")
        value = int(bits[pos : pos + n], 2)
        pos += n
        return value

    size_class = 0 if version <= 9 else 1 if version <= 26 else 2
    text: list[str] = []
    while len(bits) - pos >= 4:
        mode = take(4)
        if mode == 0:
            break
        if mode == 0b0100:  # byte
            count = take((8, 16, 16)[size_class])
            raw = bytes(take(8) for _ in range(count))
            try:
                text.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                text.append(raw.decode("iso-8859-1"))  # the QR default without an ECI
        elif mode == 0b0010:  # alphanumeric
            count = take((9, 11, 13)[size_class])
            for _ in range(count // 2):
                pair = take(11)
                text.append(ALPHANUMERIC[pair // 45] + ALPHANUMERIC[pair % 45])
            if count % 2:
                text.append(ALPHANUMERIC[take(6)])
        elif mode == 0b0001:  # numeric
            count = take((10, 12, 14)[size_class])
            for _ in range(count // 3):
                text.append(f"{take(10):03d}")
            if count % 3 == 2:
                text.append(f"{take(7):02d}")
            elif count % 3 == 1:
                text.append(str(take(4)))
        else:
            raise QrUnreadable(f"unsupported mode {mode:04b}")
    return "".join(text)


def decode(grid: Grid) -> str:
    size = len(grid)
    version = (size - 17) // 4
    if size < 21 or (size - 17) % 4 or version > 40:
        raise QrUnreadable(f"not a QR code of a known size ({size} modules)")
    level, mask = _format(grid)
    return _segments(_data_codewords(grid, version, level, mask), version)
