"""Draws the image files and writes the PDF datasheets of sample_data/ (inventory.json is hand-written)."""

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


def draw_resistors(path: Path, bands: list[tuple[int, int, int]], label: str) -> None:
    """A strip of through-hole resistors with their colour bands, as a photo of a tape."""
    image = Image.new("RGB", (320, 180), (244, 240, 226))
    draw = ImageDraw.Draw(image)
    for row in range(3):
        y = 30 + row * 45
        draw.line([20, y, 300, y], fill=(150, 150, 150), width=3)
        draw.rounded_rectangle([110, y - 14, 210, y + 14], radius=10, fill=(222, 196, 150))
        for i, colour in enumerate(bands):
            x = 124 + i * 18
            draw.rectangle([x, y - 14, x + 7, y + 14], fill=colour)
    draw.text((20, 160), label, fill=(60, 60, 60))
    image.save(path, "JPEG", quality=85)


def draw_led(path: Path, colour: tuple[int, int, int], label: str) -> None:
    """A 5 mm LED from the side: dome, flange and two legs (the longer one is the anode)."""
    image = Image.new("RGB", (200, 240), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle([84, 110, 90, 230], fill=(170, 170, 175))
    draw.rectangle([110, 110, 116, 210], fill=(170, 170, 175))
    draw.rectangle([70, 96, 130, 110], fill=colour)
    draw.rectangle([75, 40, 125, 100], fill=colour)
    draw.ellipse([75, 15, 125, 65], fill=colour)
    draw.text((10, 222), label, fill=(40, 40, 40))
    image.save(path, "PNG")


def draw_module(path: Path, board: tuple[int, int, int], pins: int, title: str, fmt: str) -> None:
    """A small breakout board with a pin header along one edge and a chip in the middle."""
    image = Image.new("RGB", (300, 200), (230, 230, 230))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([20, 20, 280, 170], radius=12, fill=board)
    for i in range(pins):
        x = 40 + i * (220 / max(pins - 1, 1))
        draw.ellipse([x - 6, 142, x + 6, 154], fill=(212, 175, 55))
    draw.rectangle([120, 60, 180, 110], fill=(40, 40, 44))
    draw.text((30, 178), title, fill=(30, 30, 30))
    image.save(path, fmt, **({"quality": 85} if fmt == "JPEG" else {}))


def draw_pinout(path: Path, title: str, left: list[str], right: list[str]) -> None:
    """A pinout diagram: the package outline with pin names on both sides."""
    rows = max(len(left), len(right))
    image = Image.new("RGB", (340, 40 + rows * 22), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle([120, 20, 220, 24 + rows * 22], outline=(0, 0, 0), width=2)
    draw.arc([158, 12, 182, 32], 0, 180, fill=(0, 0, 0), width=2)
    for i, name in enumerate(left):
        y = 30 + i * 22
        draw.line([100, y + 6, 120, y + 6], fill=(0, 0, 0), width=2)
        draw.text((20, y), f"{i + 1:>2} {name}", fill=(0, 0, 0))
    for i, name in enumerate(right):
        y = 30 + i * 22
        draw.line([220, y + 6, 240, y + 6], fill=(0, 0, 0), width=2)
        draw.text((246, y), f"{name} {len(left) + len(right) - i:>2}", fill=(0, 0, 0))
    draw.text((130, 4), title, fill=(0, 0, 0))
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

    draw_pinout(
        folder / "sn74hc595-pinout.png",
        "SN74HC595 pinout",
        ["QB", "QC", "QD", "QE", "QF", "QG", "QH", "GND"],
        ["VCC", "QA", "SER", "/OE", "RCLK", "SRCLK", "/SRCLR", "QH'"],
    )
    draw_dip(folder / "atmega328p-top.jpg", 28, "ATMEGA328P-PU", "AVR  1842", "JPEG")
    brown, black, orange, gold = (120, 66, 24), (20, 20, 20), (236, 120, 20), (200, 160, 60)
    draw_resistors(folder / "resistor-10k.jpg", [brown, black, orange, gold], "10 kOhm 1/4 W 5 %")
    draw_led(folder / "led-red-5mm.png", (214, 30, 36), "LED 5 mm red")
    draw_module(folder / "esp32-devkit.jpg", (30, 30, 36), 15, "ESP32-DevKitC", "JPEG")
    draw_module(folder / "bme280-module.png", (88, 40, 140), 6, "BME280 breakout", "PNG")
    draw_board(folder / "synth-voice-back.png", "Synth Voice - back")
    draw_board(folder / "blinky-555.png", "555 Blinky")
    write_pdf(
        folder / "lm7805.pdf",
        [
            "LM7805 Positive Voltage Regulator",
            "",
            "Output voltage 5 V, output current up to 1.5 A",
            "Input voltage 7 V to 35 V",
            "Package: TO-220",
        ],
    )
    write_pdf(
        folder / "synth-voice-bom.pdf",
        [
            "Synth Voice - bill of materials",
            "",
            "U1 ATmega328P, U2 TL072, U3 U4 74HC595",
            "Power: LM7805, 100 uF / 100 nF decoupling",
            "Build target: 2 boards",
        ],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "sample_data")
