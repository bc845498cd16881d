"""Draws the small image files and writes the PDF datasheets kept in sample_data/."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw


def draw_dip(path: Path, pins: int, label: str, body: str, fmt: str) -> None:
    """A top view of a DIP package with its marking."""
    width, height = 320, 200
    image = Image.new("RGB", (width, height), (236, 240, 232))
    draw = ImageDraw.Draw(image)
    per_side = pins // 2
    pitch = (width - 80) / per_side
    for i in range(per_side):
        x = 40 + i * pitch + pitch / 2
        draw.rectangle([x - 6, 30, x + 6, 60], fill=(190, 190, 196))
        draw.rectangle([x - 6, 140, x + 6, 170], fill=(190, 190, 196))
    draw.rectangle([30, 55, width - 30, 145], fill=(34, 34, 38))
    draw.ellipse([40, 88, 58, 106], fill=(70, 70, 76))
    draw.text((80, 82), label, fill=(230, 230, 230))
    draw.text((80, 104), body, fill=(170, 170, 170))
    image.save(path, fmt, **({"quality": 85} if fmt == "JPEG" else {}))


def draw_board(path: Path, title: str) -> None:
    """A green circuit board with a few parts, as a kit's front photo."""
    image = Image.new("RGB", (360, 240), (18, 92, 52))
    draw = ImageDraw.Draw(image)
    for x in range(20, 340, 40):
        draw.line([x, 20, x, 220], fill=(200, 170, 60), width=2)
    draw.rectangle([60, 70, 150, 110], fill=(30, 30, 30))
    draw.rectangle([200, 60, 300, 130], fill=(30, 30, 30))
    draw.ellipse([90, 150, 130, 190], fill=(40, 60, 140))
    draw.text((20, 222), title, fill=(255, 255, 255))
    image.save(path, "PNG")


def write_pdf(path: Path, lines: list[str]) -> None:
    """A one-page PDF with a few lines of Helvetica text and a correct xref table."""
    text = (
        "BT /F1 14 Tf 60 760 Td 18 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text.encode("latin-1") + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))


def main(folder: Path) -> None:
    """Write every sample file into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    draw_dip(folder / "sn74hc595-top.png", 16, "SN74HC595N", "8-bit shift register", "PNG")
    draw_dip(folder / "sn74hc595-side.jpg", 16, "74HC595", "TI  E4  2231", "JPEG")
    draw_dip(folder / "ne555.jpg", 8, "NE555P", "timer", "JPEG")
    draw_board(folder / "synth-voice-front.png", "Synth Voice - front")
    write_pdf(
        folder / "sn74hc595.pdf",
        [
            "SN74HC595 8-Bit Shift Register With 3-State Output Registers",
            "",
            "Supply voltage 2 V to 6 V",
            "Outputs: 8 parallel, 1 serial",
            "Package: DIP-16, SOIC-16",
        ],
    )
    write_pdf(
        folder / "ne555.pdf",
        [
            "NE555 Precision Timer",
            "",
            "Supply voltage 4.5 V to 16 V",
            "Astable and monostable operation",
            "Package: DIP-8",
        ],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "sample_data")
