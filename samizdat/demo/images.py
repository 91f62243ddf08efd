"""Demo photographs with real pixels: drawn scenes (skylines, fields, a harbour), not
placeholders, so image handling, renditions and alt text are exercised for real."""

import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter

W, H = 1200, 675


def _sky(draw, rng, top, bottom):
    for y in range(H):
        t = y / H
        draw.line([(0, y), (W, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))


def skyline(rng):
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    _sky(d, rng, (32, 48, 92), (236, 150, 96))
    d.ellipse([W * 0.7, H * 0.35, W * 0.7 + 120, H * 0.35 + 120], fill=(255, 214, 150))
    x = 0
    while x < W:
        w, h = rng.randint(40, 110), rng.randint(120, 420)
        shade = rng.randint(18, 45)
        d.rectangle([x, H - h, x + w, H], fill=(shade, shade, shade + 12))
        for wy in range(H - h + 12, H - 10, 22):
            for wx in range(x + 8, x + w - 8, 16):
                if rng.random() < 0.35:
                    d.rectangle([wx, wy, wx + 6, wy + 9], fill=(250, 210, 120))
        x += w + rng.randint(2, 14)
    return img


def fields(rng):
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    _sky(d, rng, (120, 170, 225), (220, 235, 245))
    for i in range(7):
        y0 = H * 0.45 + i * 45
        col = (60 + i * 18, 120 + rng.randint(-20, 30), 40 + i * 6)
        pts = [(0, H)] + [(x, y0 + 25 * math.sin(x / (140 + i * 30) + i)) for x in range(0, W + 20, 20)] + [(W, H)]
        d.polygon(pts, fill=col)
    for _ in range(5):
        cx, cy = rng.randint(50, W - 50), rng.randint(40, 200)
        for k in range(6):
            d.ellipse([cx + k * 22, cy - (k % 2) * 14, cx + k * 22 + 70, cy + 40], fill=(250, 250, 252))
    return img.filter(ImageFilter.SMOOTH)


def harbour(rng):
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    _sky(d, rng, (90, 110, 140), (190, 200, 210))
    d.rectangle([0, H * 0.6, W, H], fill=(40, 70, 100))
    for y in range(int(H * 0.6), H, 9):
        d.line([(rng.randint(0, W // 2), y), (rng.randint(W // 2, W), y)], fill=(70, 105, 140), width=2)
    for i in range(4):
        x = 120 + i * 260 + rng.randint(-30, 30)
        y = int(H * 0.6) - 10
        d.polygon([(x, y), (x + 180, y), (x + 150, y + 40), (x + 30, y + 40)], fill=(150 + i * 20, 40, 40))
        d.rectangle([x + 60, y - 60, x + 110, y], fill=(230, 230, 220))
        d.line([(x + 85, y - 60), (x + 85, y - 130)], fill=(30, 30, 30), width=4)
    return img


def crowd(rng):
    img = Image.new("RGB", (W, H), (205, 195, 180))
    d = ImageDraw.Draw(img)
    _sky(d, rng, (170, 180, 190), (215, 205, 190))
    for _ in range(140):
        x, y = rng.randint(-20, W), rng.randint(int(H * 0.45), H)
        s = 18 + (y - H * 0.45) / 9
        col = tuple(rng.randint(30, 200) for _ in range(3))
        d.ellipse([x, y - s * 2.4, x + s, y - s * 1.4], fill=(120, 90, 70))
        d.rounded_rectangle([x - s * 0.3, y - s * 1.45, x + s * 1.3, y + s], radius=int(s / 3), fill=col)
    return img.filter(ImageFilter.GaussianBlur(0.6))


def portrait(rng):
    img = Image.new("RGB", (600, 600))
    d = ImageDraw.Draw(img)
    for y in range(600):
        d.line([(0, y), (600, y)], fill=(60 + y // 10, 80 + y // 12, 110))
    d.ellipse([200, 120, 400, 340], fill=(40, 40, 48))
    d.rounded_rectangle([130, 330, 470, 640], radius=120, fill=(40, 40, 48))
    return img


SCENES = {"skyline": skyline, "fields": fields, "harbour": harbour, "crowd": crowd, "portrait": portrait}


def render_jpeg(scene, seed):
    img = SCENES[scene](random.Random(seed))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()
