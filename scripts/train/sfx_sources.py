"""Debian main packages whose real recordings clap-mini trains on, with licences and the split.

Split BY PACKAGE: the `val` packages are never trained on; they measure recordings from elsewhere.
Licences: the main `License:` lines of each package's debian/copyright (copied next to the audio by
gather-sfx as CACHE/x/PKG/copyright). Read the per-file stanzas before redistributing any clip;
the bundle ships no audio, only weights.

  python3 sfx_sources.py --list     one package per line (used by gather-sfx)
"""
import sys

# package -> (split, licence summary)
SOURCES = {
    "minetest-data":           ("train", "LGPL-2.1+ / CC-BY-SA-3.0 (media) / MIT / zlib"),
    "scorched3d-data":         ("train", "GPL-2+ / CC-BY-SA-3.0 / public domain"),
    "lincity-ng-data":         ("train", "GPL-2+"),
    "tuxpaint-stamps-default": ("train", "GPL-2+"),
    "teeworlds-data":          ("train", "CC0-1.0 / CC-BY-SA-3.0"),
    "ktuberling-data":         ("train", "GPL-2+ / LGPL / CC-BY-SA (KDE)"),
    "sonic-pi-samples":        ("train", "CC0-1.0 / CC-BY-SA-4.0"),
    "ufoai-sound":             ("train", "GPL-2+ / CC-BY-SA / public domain (per file)"),
    "openarena-data":          ("train", "GPL-2+"),
    "supertux-data":           ("train", "GPL-2+ / GPL-3+ / CC-BY-SA (per file)"),
    "freedink-data":           ("train", "GPL-3+ / free art licences (per file)"),
    "oxygen-sounds":           ("train", "LGPL-3+"),
    "lomiri-sounds":           ("train", "CC0-1.0 / CC-BY-3.0 / CC-BY-SA-3.0"),
    "tuxpaint-data":           ("train", "GPL-2+"),
    "widelands-data":          ("train", "GPL-2+ / CC-BY-SA-3.0 (per file)"),
    "megaglest-data":          ("train", "GPL-2+ / CC-BY-SA-3.0"),
    "sound-icons":             ("train", "GPL-2+"),
    # held out: validation by package
    "btanks-data":             ("val", "LGPL-2.1+ / GPL-2+ / public domain"),
    "wordwarvi-sound":         ("val", "GPL-2+ / CC-BY-SA-3.0"),
    "cube2-data":              ("val", "CC-BY-3.0 / CC-BY-SA / ZLIB / public domain (per file)"),
}

if __name__ == "__main__":
    if "--list" in sys.argv:
        print("\n".join(SOURCES))
