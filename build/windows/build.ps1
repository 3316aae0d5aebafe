# Build the Gatekeeper one-folder bundle on Windows (dist\gatekeeper\gatekeeper.exe) and smoke-test it.
# Usage (PowerShell, from the repository root):  powershell -ExecutionPolicy Bypass -File build\windows\build.ps1
# NOT TESTED by the developers: no Windows machine is available to them. It mirrors build/install.sh and
# build/package.sh step by step; report problems with the full log.
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")
$py = if ($env:PYTHON) { $env:PYTHON } else { "py -3.11" }
if (-not (Test-Path ".venv\Scripts\python.exe")) { Invoke-Expression "$py -m venv .venv" }
$venvPy = ".venv\Scripts\python.exe"
$env:YOLO_OFFLINE = "1"; $env:YOLO_AUTOINSTALL = "False"; $env:YOLO_CONFIG_DIR = "$PWD\.venv\ultralytics-config"
& $venvPy -m pip install --upgrade pip
# PyPI's Windows torch wheel is the CPU build.
& $venvPy -m pip install "torch==2.13.0"
& $venvPy -m pip install -r build\requirements.txt -r build\requirements-package.txt
& $venvPy -m pip install --no-deps "ultralytics==8.4.190" "easyocr==1.7.2"
# torchvision: keep the real CPU wheel only if it runs ops.nms; otherwise the project's stand-in.
& $venvPy -m pip install --no-deps "torchvision==0.28.*"
& $venvPy -c "import torch, torchvision; assert torchvision.ops.nms(torch.tensor([[0.,0,10,10],[1,1,11,11]]), torch.tensor([0.9,0.8]), 0.5).tolist()==[0]"
if ($LASTEXITCODE -ne 0) {
  & $venvPy -m pip uninstall -y torchvision
  & $venvPy -m pip install --no-deps .\build\torchvision-shim
}
& $venvPy -m pip install --no-deps -e .
& $venvPy build\windows\make_version_info.py
& .venv\Scripts\pyinstaller.exe --noconfirm --clean --workpath build\pyinstaller --distpath dist gatekeeper.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$out = Join-Path $env:TEMP "gatekeeper-smoke"
Remove-Item -Recurse -Force $out -ErrorAction SilentlyContinue
$env:GATEKEEPER_HOME = "$out\home"
& dist\gatekeeper\gatekeeper.exe --demo --exit-after 20 --screenshot "$out\screenshot.png" --data-dir "$out\data"
if ($LASTEXITCODE -ne 0) { throw "the bundle exited with $LASTEXITCODE" }
if (-not (Test-Path "$out\screenshot.png")) { throw "no screenshot written" }
& $venvPy -c "import sqlite3,sys; n=sqlite3.connect(r'$out\data\gatekeeper.sqlite3').execute('select count(*) from passes').fetchone()[0]; print('passes', n); sys.exit(0 if n else 1)"
if ($LASTEXITCODE -ne 0) { throw "no passes logged" }
Write-Host "Windows bundle OK: dist\gatekeeper"
