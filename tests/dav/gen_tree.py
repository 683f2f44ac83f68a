#!/usr/bin/env python3
"""Writes a deterministic tree of files for the rclone sync test.

Usage: gen_tree.py DIR [FILES] [SEED]

FILES (default 2000) files in nested folders up to depth 4, with spaces,
Nordic letters, other Unicode and URL-unfriendly ASCII in the names. Sizes:
mostly small (0 B to 64 KiB, skewed to the small end, ten exactly 0 B),
about 2 % between 100 KiB and 2 MiB, four of about 8 MiB; about 115 MB in
all for 2000 files. The same FILES and SEED give the same bytes.
"""
import os, random, sys, unicodedata

WORDS = [
    "rapport", "møte", "årsplan", "budsjett", "elevliste", "vedtak", "søknad", "skjema",
    "Ærlig talt", "Ødegård", "Åpen post", "kurs", "notat", "referat", "bilder", "prosjekt",
    "høring", "tilsyn", "økonomi", "fravær", "karakterer", "plan", "utkast", "arkiv",
    "résumé", "naïve café", "Straße", "Łódź", "Ångström", "smörgåsbord", "fjärrvärme",
    "日本語", "Ελληνικά", "кириллица", "数据", "emoji 📄", "Q&A", "50% ferdig", "#1 mål",
    "a+b", "it's", "(kopi)", "semi;colon", "komma, punktum", "tilde~", "ære være",
]
EXTS = [".txt", ".docx", ".pdf", ".odt", ".png", ".jpg", ".csv", ".md", "", ".tar.gz", ".xlsx"]


def nfc(s):
    return unicodedata.normalize("NFC", s)


def main():
    if len(sys.argv) not in (2, 3, 4):
        sys.exit(__doc__)
    root = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20240917)

    # Folders: a random tree, depth 1 to 4, about one folder per 16 files.
    dirs = [""]
    for i in range(max(1, count // 16)):
        while True:
            parent = rng.choice(dirs)
            if parent == "" or parent.count("/") < 3:
                break
        name = nfc(f"{rng.choice(WORDS)} {i}" if rng.random() < 0.7 else f"mappe{i}")
        dirs.append(f"{parent}/{name}" if parent else name)

    sizes = []
    for i in range(count):
        if i < 10:
            sizes.append(0)
        elif i < 14:
            sizes.append(8 * 1024 * 1024 + rng.randrange(-4096, 4096))
        elif i < 14 + count // 50:
            sizes.append(rng.randrange(100 * 1024, 2 * 1024 * 1024))
        else:
            sizes.append(int(64 * 1024 * rng.random() ** 2))
    rng.shuffle(sizes)

    total = 0
    for i, size in enumerate(sizes):
        # Every folder gets a file first, so none is empty (rclone does not
        # copy empty folders without --create-empty-src-dirs).
        d = dirs[i] if i < len(dirs) else rng.choice(dirs)
        name = nfc(f"{rng.choice(WORDS)} {i:04d}{rng.choice(EXTS)}")
        path = os.path.join(root, d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            left = size
            while left:
                n = min(left, 1 << 20)
                # Half the files compressible text, half random bytes.
                if i % 2:
                    f.write(rng.randbytes(n))
                else:
                    line = f"linje {i} {rng.choice(WORDS)} æøå ÆØÅ\n".encode()
                    f.write((line * (n // len(line) + 1))[:n])
                left -= n
        total += size
    print(f"{count} files in {len(dirs)} folders, {total} bytes")


if __name__ == "__main__":
    main()
