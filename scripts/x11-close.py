#!/usr/bin/python3
"""Asks an X11 window to close the way a window manager's close button does: a WM_PROTOCOLS /
WM_DELETE_WINDOW client message. Usage: x11-close.py TITLE. Exits 1 if no window has the title.
(Used by the desktop end-to-end test under Xvfb, where there is no window manager.)"""
import sys

from Xlib import X, display, protocol


def windows(d, w):
    yield w
    for child in w.query_tree().children:
        yield from windows(d, child)


def main():
    title = sys.argv[1]
    d = display.Display()
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    found = 0
    for w in windows(d, d.screen().root):
        try:
            name = w.get_wm_name()
        except Exception:
            continue
        if name == title and delete in (w.get_wm_protocols() or []):
            event = protocol.event.ClientMessage(
                window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
            )
            w.send_event(event, event_mask=X.NoEventMask)
            found += 1
    d.flush()
    d.close()
    sys.exit(0 if found else 1)


main()
