"""Render the sample's report.docx to PDF and save its first page as docs/report_page1.png.

Needs LibreOffice (soffice) and poppler (pdftoppm), as the print tests do:

    python scripts/report_page.py            # writes docs/report_page1.png
    python scripts/report_page.py --dpi 80   # sharper
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from facility_coverage import analysis, sample
from facility_coverage.present import report_docx

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report_page1.png")
    args = parser.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs soffice (libreoffice-writer) and pdftoppm (poppler-utils)")
    result = analysis.run_study(sample.sample_study_path())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docx = report_docx.write_report_docx(result, folder / "report.docx")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{folder / 'profile'}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(docx),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(args.dpi),
                "-f",
                "1",
                "-l",
                "2",
                str(folder / "report.pdf"),
                str(folder / "page"),
            ],
            check=True,
        )
        first = sorted(folder.glob("page-*.png"))[0]
        shutil.copyfile(first, args.out)
    print(args.out)


if __name__ == "__main__":
    main()
