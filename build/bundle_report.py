"""Print what the biggest parts of a PyInstaller bundle cost on disk (for keeping the bundle lean)."""

import sys
from collections import Counter
from pathlib import Path


def main(root: str) -> None:
    base = Path(root)
    internal = base / "_internal" if (base / "_internal").is_dir() else base
    sizes: Counter[str] = Counter()
    for f in internal.rglob("*"):
        if f.is_file() and not f.is_symlink():  # PyInstaller links top-level libraries into packages
            rel = f.relative_to(internal).parts
            key = rel[0] if len(rel) > 1 else "(top-level files)"
            sizes[key] += f.stat().st_size
    total = sum(sizes.values())
    print(f"bundle: {total / 2**20:.0f} MiB in {internal}")
    for name, size in sizes.most_common(15):
        print(f"  {size / 2**20:8.1f} MiB  {name}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dist/gatekeeper")
