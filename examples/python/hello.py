#!/usr/bin/env python3
"""hello.py: a dispd client in plain Python, to see what goes over the socket.

It finds the server named by DISPD_DISPLAY (or DISPLAY), connects, does the handshake, opens
a window titled "hello from Python", draws into it, and prints every event it receives, one per
line, until the window is closed or the connection ends. Standard library only.

    DISPD_DISPLAY=:0 python3 hello.py          # or: python3 hello.py :0
    DISPD_DISPLAY=tcp/otherhost:0 DISPD_AUTH=<64 hex digits> python3 hello.py

The wire format comes from the Rust crate dispd-protocol (protocol/src/*.rs). In short:

  * a handshake with fixed little-endian fields (struct.pack does those), then
  * frames: a u32 little-endian length, then one message encoded with "postcard": an enum is
    its variant number followed by its fields in order; integers are varints (7 bits a byte,
    low bits first, top bit = "more follows"), signed ones zigzag-mapped first; a string is a
    varint length and UTF-8 bytes; bool and u8 are one byte; f32 is 4 bytes little-endian.

What it draws (window coordinates; the window is at screen (20, 20), 280 x 180; the test
display-server/tests/it/python.rs checks these pixels, so keep the two in step):
a light background, red (10,10,80,60), green (100,10,80,60) and blue (190,10,80,60)
rectangles, "Hello from Python" in black, 24 px, with its baseline at (12, 120), and a grey
hint in 13 px at (12, 160).
"""

import hashlib
import hmac
import os
import socket
import struct
import sys
import time

MAGIC = b"DISPD\0\r\n"  # the first 8 bytes each side sends
PROTOCOL_VERSION = 4  # the only version this program speaks
TCP_PORT_BASE = 7300  # display N listens on TCP port 7300 + N
MAX_DISPLAY = 65535 - TCP_PORT_BASE
MAX_FRAME = 64 << 20  # no honest server sends a bigger frame
TIMEOUT = 10.0  # seconds, for connecting and for any answer we wait for

WINDOW = (20, 20, 280, 180)  # x, y, width, height on the screen
BACKGROUND = 0xFFF4F1E8  # colours are 0xAARRGGBB
RECTANGLES = [
    ((10, 10, 80, 60), 0xFFE04040),  # red
    ((100, 10, 80, 60), 0xFF40B050),  # green
    ((190, 10, 80, 60), 0xFF4070E0),  # blue
]
GREETING = (12, 120, 24, "Hello from Python")  # x, baseline y, pixel size, text
HINT = (12, 160, 13, "Type or click here: see the terminal")


class ClientError(Exception):
    """An error we expect and explain in one line (no traceback)."""


# --- 1. Which server? Display names, as X11 writes them ---------------------------------------

def parse_display(name):
    """'[protocol/][host]:display[.screen]' -> (host, transport or None, display number)."""
    if not name:
        raise ClientError("empty display name: use :N for a local display or host:N for another machine")
    transport, rest = None, name
    proto, slash, after = name.partition("/")
    if slash and ":" not in proto and "[" not in proto:
        if proto in ("tcp", "inet", "inet6"):
            transport = "tcp"
        elif proto in ("unix", "local"):
            transport = "unix"
        else:
            raise ClientError(f"display name `{name}`: unknown protocol `{proto}` (use tcp/ or unix/)")
        rest = after
    if rest.startswith("["):  # an IPv6 address: [::1]:0
        host, bracket, tail = rest[1:].partition("]")
        if not bracket:
            raise ClientError(f"display name `{name}`: `[` without a closing `]`")
        if not tail.startswith(":"):
            raise ClientError(f"display name `{name}` has no `:N` display number")
        number = tail[1:]
    else:
        host, colon, number = rest.rpartition(":")
        if not colon:
            raise ClientError(f"display name `{name}` has no `:N` display number: write it as :0 or host:0")
        if ":" in host:
            raise ClientError(f"display name `{name}`: write an IPv6 address in brackets, as [::1]:0")
    display, dot, screen = number.partition(".")
    for part, what, biggest in [(display, "display", MAX_DISPLAY), (screen, "screen", 65535)]:
        if part == "" and what == "screen" and not dot:
            continue  # no screen given: screen 0
        if not part or any(c not in "0123456789" for c in part) or int(part) > biggest:
            raise ClientError(f"display name `{name}`: `{part}` is not a valid {what} number (0..={biggest})")
    if transport is None and host == "unix":
        host, transport = "", "unix"
    if transport == "unix" and host:
        raise ClientError(f"display name `{name}`: a Unix socket is local: drop the host, as unix:0")
    return host, transport, int(display)


def addresses(host, transport, display):
    """The places to try, in order: ('unix', path) and ('tcp', host, port)."""
    socket_dir = os.environ.get("DISPD_SOCKET_DIR") or "/tmp/.dispd-unix"
    unix = ("unix", os.path.join(socket_dir, f"D{display}"))
    tcp = ("tcp", host or "localhost", TCP_PORT_BASE + display)
    if transport == "unix":
        return [unix]
    if transport == "tcp" or host:
        return [tcp]
    return [unix, tcp]  # ':N' tries the local socket first, then TCP to localhost


def dial(family, address):
    """A stream socket connected to one address (AF_UNIX: a path; AF_INET: (host, port))."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


def connect(name, display, places):
    """A connected socket to the first place that answers, and a word on where that is."""
    tried = []
    for place in places:
        try:
            if place[0] == "unix":
                return dial(socket.AF_UNIX, place[1]), f"unix socket {place[1]}"
            _, host, port = place
            # getaddrinfo turns a host name into addresses: IPv4 (AF_INET), IPv6 (AF_INET6) or both.
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            for i, (family, _, _, _, address) in enumerate(found):
                try:
                    sock = dial(family, address)
                except OSError:
                    if i == len(found) - 1:
                        raise  # the last address failed too
                    continue
                # Small requests should leave at once, not wait to be merged (Nagle's algorithm).
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock, f"TCP {address[0]} port {port}"
        except OSError as e:
            where = place[1] if place[0] == "unix" else f"{place[1]}:{place[2]}"
            tried.append(f"{where}: {e.strerror or e}")
    raise ClientError(f"cannot reach display {name} ({'; '.join(tried)}); "
                      f"is dispd running? start it with `dispd :{display}`")


# --- 2. Varints and the other postcard pieces ------------------------------------------------

def varint(n):
    """An unsigned integer, 7 bits per byte, lowest first; the top bit says 'more follows'."""
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def zigzag(n):
    """A signed integer: 0, -1, 1, -2, 2 ... become 0, 1, 2, 3, 4 ..., then a varint."""
    return varint((n << 1) ^ (n >> 31))


def string(s):
    data = s.encode("utf-8")
    return varint(len(data)) + data


def rect(x, y, w, h):
    """A Rect: x and y are signed (i32), width and height unsigned (u32)."""
    return zigzag(x) + zigzag(y) + varint(w) + varint(h)


class Reader:
    """Reads postcard values from the front of a message body."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ClientError("the server sent a message that ends too early")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def byte(self):
        return self.take(1)[0]

    def varint(self):
        n, shift = 0, 0
        while True:
            b = self.byte()
            n |= (b & 0x7F) << shift
            if b < 0x80:
                return n
            shift += 7
            if shift > 63:
                raise ClientError("the server sent a varint that is too long")

    def signed(self):
        n = self.varint()
        return (n >> 1) ^ -(n & 1)  # undo the zigzag

    def bool(self):
        return self.byte() != 0

    def f32(self):
        return struct.unpack("<f", self.take(4))[0]

    def string(self):
        return self.take(self.varint()).decode("utf-8", "replace")

    def rect(self):
        return self.signed(), self.signed(), self.varint(), self.varint()


# --- 3. The handshake: hello, answer, optional proof of the secret ---------------------------

def find_secret(display):
    """The display's secret: DISPD_AUTH, else ~/.dispd/display-N.secret, else None."""
    text, source = os.environ.get("DISPD_AUTH", "").strip(), "DISPD_AUTH"
    if not text:
        folder = os.environ.get("DISPD_AUTH_DIR") or os.path.join(os.environ.get("HOME", ""), ".dispd")
        source = os.path.join(folder, f"display-{display}.secret")
        try:
            with open(source) as f:
                text = f.read().strip()
        except OSError:
            return None  # fine: a local client of the server's own user needs no secret
    if len(text) != 64 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ClientError(f"{source}: a dispd secret is 64 hex digits (as `dispd auth :N` prints it)")
    return bytes.fromhex(text)


def hello_bytes(secret):
    """magic | u16 oldest version | u16 newest | u8 len + auth name | u16 len + auth data."""
    name, data = b"", b""
    if secret is not None:
        # Prove we know the secret without sending it: a MAC over a fresh nonce and the time.
        nonce = os.urandom(16)
        now = struct.pack("<Q", int(time.time()))
        mac = hmac.new(secret, b"dispd-auth-v1" + nonce + now, hashlib.sha256).digest()
        name, data = b"dispd-hmac-sha256", nonce + now + mac
    return (MAGIC + struct.pack("<HHB", PROTOCOL_VERSION, PROTOCOL_VERSION, len(name)) + name
            + struct.pack("<H", len(data)) + data)


def recv_exact(sock, n):
    """Exactly n bytes: a stream socket may hand them over in pieces."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def handshake(sock, name, secret):
    """Sends the hello, reads the answer: returns the Setup, or raises with the refusal."""
    sock.sendall(hello_bytes(secret))
    # magic | u8 status (0 accepted, 1 refused) | u16 version | u32 body length, then the body
    magic, status, version, length = struct.unpack("<8sBHI", recv_exact(sock, 15))
    if magic != MAGIC:
        raise ClientError(f"display {name}: the peer does not speak the dispd protocol")
    if length > 64 * 1024:
        raise ClientError(f"display {name}: the answer is too long ({length} bytes)")
    body = recv_exact(sock, length)
    if status != 0:
        reason = body.decode("utf-8", "replace")
        raise ClientError(f"display {name}: the server refused the connection: {reason}")
    r = Reader(body)  # the Setup, in postcard
    return {"version": version, "server": r.string(), "server_version": r.string(),
            "client": r.varint(), "screen": (r.varint(), r.varint()),
            "id_base": r.varint(), "id_count": r.varint(), "max_frame": r.varint()}


# --- 4. Requests (client -> server); the number is the variant's position in `enum Request` ---

def create_window(window, x, y, w, h, background):
    return varint(0) + varint(window) + rect(x, y, w, h) + varint(background)


def map_window(window):
    return varint(2) + varint(window)


def set_title(window, title):
    return varint(5) + varint(window) + string(title)


def draw(target, ops):
    """One batch of drawing ops, applied as a whole."""
    return varint(6) + varint(target) + varint(len(ops)) + b"".join(ops)


def sync():
    return varint(9)  # answered with Reply::Sync once every earlier request is done


# Draw ops: the variant's position in `enum DrawOp` (protocol/src/draw.rs), then the fields.
def op_color(argb):
    return varint(0) + varint(argb)


def op_font_size(px):
    return varint(2) + varint(px)


def op_clear():
    return varint(3)


def op_fill_rect(x, y, w, h):
    return varint(4) + rect(x, y, w, h)


def op_text(x, y, text):
    return varint(6) + zigzag(x) + zigzag(y) + string(text)


# --- 5. What the server sends: Reply, Error, Event, Goodbye ----------------------------------

EVENTS = ["Expose", "Configure", "CloseRequested", "Key", "PointerMotion", "PointerButton",
          "PointerWheel", "PointerEnter", "PointerLeave", "Focus", "TextInput", "ScaleFactor",
          "FrameDone"]
NAMED_KEYS = ("Enter Tab Space Backspace Escape Delete Insert Home End PageUp PageDown ArrowLeft "
              "ArrowRight ArrowUp ArrowDown Shift Control Alt AltGraph Super CapsLock NumLock "
              + " ".join(f"F{i}" for i in range(1, 13)) + " PrintScreen Pause ContextMenu Dead").split()
BUTTONS = ["Left", "Middle", "Right", "Back", "Forward"]
ERROR_CODES = ["BadWindow", "BadId", "BadValue", "BadAccess", "Limit", "BadDrawable"]


def modifiers(bits):
    """Modifiers are one byte of bits (a u8 is a raw byte in postcard, not a varint)."""
    names = [n for bit, n in [(1, "Shift"), (2, "Control"), (4, "Alt"), (8, "Super")] if bits & bit]
    return "+".join(names) or "none"


def describe_event(r):
    """Decodes the event at the reader's position: (its name, one line about it)."""
    index = r.varint()
    if index >= len(EVENTS):
        # The frame's length told us where it ends, so an unknown event can simply be skipped.
        return None, f"event #{index} (newer than this program; skipped)"
    kind = EVENTS[index]
    window = r.varint()  # every event names our window first
    if kind == "Key":
        pressed, repeat, code = r.bool(), r.bool(), r.varint()
        key_kind = r.varint()  # enum Key { Named(NamedKey), Character(String), Unidentified }
        if key_kind == 0:
            n = r.varint()
            key = NAMED_KEYS[n] if n < len(NAMED_KEYS) else f"named key #{n}"
        elif key_kind == 1:
            key = repr(r.string())
        else:
            key = "unidentified"
        text = repr(r.string()) if r.bool() else "none"  # an Option: 0 = None, 1 = Some(value)
        state = "pressed" if pressed else "released"
        return kind, (f"Key {state}{' (repeat)' if repeat else ''} key={key} text={text} "
                      f"code={code} modifiers={modifiers(r.byte())}")
    if kind in ("Expose", "Configure"):
        x, y, w, h = r.rect()
        return kind, f"{kind} window={window:#x} x={x} y={y} {w}x{h}"
    if kind == "PointerMotion":
        return kind, f"PointerMotion x={r.signed()} y={r.signed()} modifiers={modifiers(r.byte())}"
    if kind == "PointerButton":
        x, y, b = r.signed(), r.signed(), r.varint()
        button = BUTTONS[b] if b < len(BUTTONS) else f"button {r.varint()}"  # 5: Other(number)
        state = "pressed" if r.bool() else "released"
        return kind, f"PointerButton {button} {state} x={x} y={y} modifiers={modifiers(r.byte())}"
    if kind == "PointerWheel":
        unit = {0: "lines", 1: "pixels"}.get(r.varint())  # enum WheelDelta { Lines {..}, Pixels {..} }
        dx, dy = r.f32(), r.f32()
        return kind, f"PointerWheel {unit} x={dx:g} y={dy:g} modifiers={modifiers(r.byte())}"
    if kind == "PointerEnter":
        return kind, f"PointerEnter x={r.signed()} y={r.signed()}"
    if kind == "Focus":
        return kind, "Focus gained" if r.bool() else "Focus lost"
    if kind == "TextInput":
        return kind, f"TextInput {r.string()!r}"
    if kind == "ScaleFactor":
        return kind, f"ScaleFactor {r.varint() / 1000:g}"
    if kind == "FrameDone":
        return kind, f"FrameDone msec={r.varint()}"
    return kind, kind  # CloseRequested, PointerLeave: the window is all they carry


class Connection:
    """A handshaken socket that sends numbered requests and reads whole frames."""

    def __init__(self, sock):
        self.sock, self.seq, self.names = sock, 0, {}

    def send(self, body, name):
        """Sends one request in a frame; returns its sequence number (the first is 1)."""
        self.sock.sendall(struct.pack("<I", len(body)) + body)
        self.seq += 1
        self.names[self.seq] = name
        return self.seq

    def receive(self):
        """The next message body, or None when the server closed the connection."""
        try:
            (length,) = struct.unpack("<I", recv_exact(self.sock, 4))
            if length > MAX_FRAME:
                raise ClientError(f"the server announced a frame of {length} bytes")
            return recv_exact(self.sock, length)
        except EOFError:
            return None


# --- 6. The program --------------------------------------------------------------------------

def scene(window):
    """The whole picture, as one Draw request (see the top of the file for what goes where)."""
    ops = [op_color(BACKGROUND), op_clear()]
    for (x, y, w, h), colour in RECTANGLES:
        ops += [op_color(colour), op_fill_rect(x, y, w, h)]
    for (x, y, size, text), colour in [(GREETING, 0xFF000000), (HINT, 0xFF707070)]:
        ops += [op_color(colour), op_font_size(size), op_text(x, y, text)]
    return draw(window, ops)


def run(args):
    name = next((a for a in args if not a.startswith("--")), None)
    name = name or os.environ.get("DISPD_DISPLAY") or os.environ.get("DISPLAY")
    if not name:
        raise ClientError("no display given: set DISPD_DISPLAY or DISPLAY, e.g. DISPD_DISPLAY=:0")
    exit_after_draw = "--exit-after-draw" in args
    host, transport, display = parse_display(name)
    sock, where = connect(name, display, addresses(host, transport, display))
    with sock:
        setup = handshake(sock, name, find_secret(display))
        print(f"connected to display {name} over {where}")
        print(f"server {setup['server']} {setup['server_version']}, protocol {setup['version']}; "
              f"we are client {setup['client']}; screen {setup['screen'][0]}x{setup['screen'][1]}")
        last_id = setup["id_base"] + setup["id_count"] - 1
        print(f"our resource ids: {setup['id_base']:#x} to {last_id:#x}; "
              f"largest frame we may send: {setup['max_frame']} bytes", flush=True)
        # Interactive: wait for events as long as it takes. Tests: never more than TIMEOUT.
        sock.settimeout(TIMEOUT if exit_after_draw else None)
        conn = Connection(sock)
        window = setup["id_base"]  # we name our resources ourselves, from our range
        conn.send(create_window(window, *WINDOW, BACKGROUND), "CreateWindow")
        conn.send(set_title(window, "hello from Python"), "SetTitle")
        conn.send(map_window(window), "MapWindow")
        print(f"window {window:#x} at {WINDOW[:2]}, {WINDOW[2]}x{WINDOW[3]}: waiting for events", flush=True)
        sync_seq = None
        while True:
            body = conn.receive()
            if body is None:
                raise ClientError("the server closed the connection")
            r = Reader(body)
            kind = r.varint()
            if kind == 0:  # Reply { seq, reply }
                seq = r.varint()
                if seq == sync_seq:
                    print(f"drawn: window {window:#x}", flush=True)
                    if "--wait-stdin" in args:
                        sys.stdin.read()  # a test looks at the window until it closes our stdin
                    return 0
            elif kind == 1:  # Error(RequestError { seq, code, message })
                seq, code, message = r.varint(), r.varint(), r.string()
                code = ERROR_CODES[code] if code < len(ERROR_CODES) else f"#{code}"
                raise ClientError(f"request #{seq} ({conn.names.get(seq, '?')}) failed ({code}): {message}")
            elif kind == 2:  # Event
                event, line = describe_event(r)
                print(line, flush=True)
                if event == "Expose":
                    conn.send(scene(window), "Draw")  # redraw everything on each expose
                    if exit_after_draw and sync_seq is None:
                        sync_seq = conn.send(sync(), "Sync")
                elif event == "CloseRequested":
                    print("the window was closed: goodbye", flush=True)
                    return 0
            elif kind == 3:  # Goodbye { reason }
                raise ClientError(f"the server closed the connection: {r.string()}")


USAGE = """usage: python3 hello.py [DISPLAY] [--exit-after-draw [--wait-stdin]]
  DISPLAY            the display, e.g. :0, unix:0, host:0, tcp/host:0, [::1]:0
                     (default: $DISPD_DISPLAY, then $DISPLAY)
  --exit-after-draw  draw once, wait until the server has done it, print `drawn`, exit
  --wait-stdin       with --exit-after-draw: keep the window until stdin ends (for tests)"""


def main(args):
    if "-h" in args or "--help" in args:
        print(USAGE)
        return 0
    unknown = [a for a in args if a.startswith("-") and a not in ("--exit-after-draw", "--wait-stdin")]
    if unknown:
        print(f"hello.py: unknown option {unknown[0]}\n{USAGE}", file=sys.stderr)
        return 2
    try:
        return run(args)
    except ClientError as e:
        print(f"hello.py: {e}", file=sys.stderr)
    except socket.timeout:
        print(f"hello.py: no answer from the server within {TIMEOUT:g} s", file=sys.stderr)
    except EOFError:
        print("hello.py: the server closed the connection during the handshake", file=sys.stderr)
    except OSError as e:
        print(f"hello.py: connection to the display server failed: {e.strerror or e}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
