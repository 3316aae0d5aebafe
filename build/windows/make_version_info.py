"""Write build/windows/version_info.txt (the Windows EXE version resource) from gatekeeper.__version__."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = """# UTF-8
VSVersionInfo(
  ffi=FixedFileInfo(filevers=({t}), prodvers=({t}), mask=0x3f, flags=0x0, OS=0x40004, fileType=0x1,
                    subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'Gatekeeper'),
      StringStruct('FileDescription', 'Gatekeeper licence-plate gate log'),
      StringStruct('FileVersion', '{v}'),
      StringStruct('InternalName', 'gatekeeper'),
      StringStruct('OriginalFilename', 'gatekeeper.exe'),
      StringStruct('ProductName', 'Gatekeeper'),
      StringStruct('ProductVersion', '{v}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def main() -> None:
    tree = ast.parse((ROOT / "gatekeeper" / "__init__.py").read_text(encoding="utf-8"))
    version = next(
        n.value.value for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "__version__"
    )
    parts = [int(p) for p in version.split(".")[:4] if p.isdigit()]
    parts += [0] * (4 - len(parts))
    out = ROOT / "build" / "windows" / "version_info.txt"
    out.write_text(TEMPLATE.format(t=", ".join(map(str, parts)), v=version), encoding="utf-8")
    print(f"wrote {out} for version {version}", file=sys.stderr)


if __name__ == "__main__":
    main()
