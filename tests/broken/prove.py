#!/usr/bin/python3
"""Prove that each broken wireguard-go build breaks what it claims, and nothing basic.

    python3 tests/broken/prove.py [--dir OUTDIR] [VARIANT ...]     (root; default: all)

For each binary OUTDIR/wireguard-go-<variant> (stock first, the control) this builds a
two-namespace topology of its own, runs the binary on both ends, and runs one probe per
broken behaviour, with a plain handshake + echo over the tunnel before and after each
probe. Stock must pass every probe; each variant must fail exactly its own probe and keep
the tunnel working. Exit 0 when the matrix is as expected, 1 otherwise, 77 if not root.

Independent of wglab's C code on purpose: it checks the binaries wglab's scenarios are
tested against. Python stdlib only. Everything it sends stays inside the namespaces it
creates (198.18.0.0/24 underlay, 198.19.0.0/24 tunnel); they are removed on every exit.
"""
import ctypes, json, os, select, shutil, signal, socket, struct, subprocess, sys, tempfile, time

PROBES = os.environ.get('WGLAB_PROVE_ONLY', '').split() or [
    'mac1', 'replay-init', 'replay', 'hijack', 'nocookie', 'mac2any', 'chatty', 'allowedsrc',
    'lpm', 'selfpeer', 'loworder', 'keychange', 'zombie']
# Variants whose flaw needs more than the stdlib to show (noratelimit, globallimit: many
# peers each holding a cookie, which takes XChaCha20-Poly1305; norotate: a cookie's mac2,
# the same, and over 2 minutes of waiting): scenarios `dos` and `cookie-lifetime` prove them.
# slow breaks no defence, only speed: an A/B run with a gate proves it (tests/ab).
NO_PROBE = {'noratelimit', 'globallimit', 'norotate', 'slow'}
A_UL, B_UL, EVIL = '198.18.0.1', '198.18.0.2', '198.18.0.66'   # underlay (veth) addresses
A_TUN, B_TUN = '198.19.0.1', '198.19.0.2'                        # tunnel addresses
FORGED = '198.19.0.77'                        # in the tunnel subnet, in no peer's AllowedIPs
# The zero key and the other Curve25519 points of small order (as the kernel's netns.sh).
LOW_ORDER = ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
             '4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=', 'X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEVc=',
             '7P///////////////////////////////////////38=', '7f///////////////////////////////////////38=',
             '7v///////////////////////////////////////38=']
A_PORT, B_PORT, ECHO_PORT, CATCH_PORT = 51820, 51821, 7007, 40000
SELF = os.path.abspath(__file__)


# ---- helpers that run inside a namespace (python3 prove.py _NAME args...) ----

def h_sniff(ifname, port):
    """Print every IPv4/UDP packet to or from PORT seen on IFNAME as one JSON line."""
    port = int(port)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    while True:
        f = s.recv(65535)
        if len(f) < 42 or f[12:14] != b'\x08\x00' or f[23] != 17:
            continue
        ihl = (f[14] & 15) * 4
        sport, dport = struct.unpack('!HH', f[14 + ihl:18 + ihl])
        if port not in (sport, dport):
            continue
        print(json.dumps({'src': socket.inet_ntoa(f[26:30]), 'sport': sport,
                          'dst': socket.inet_ntoa(f[30:34]), 'dport': dport,
                          'hex': f[22 + ihl:].hex()}), flush=True)


def h_echo(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    while True:
        data, peer = s.recvfrom(2048)
        print('got', data.decode(errors='replace'), flush=True)
        s.sendto(data, peer)


def h_ask(addr, port, token, timeout):
    """Send TOKEN to the echo server until it comes back; exit 0 if it did."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    end = time.time() + float(timeout)
    while time.time() < end:
        try:
            s.sendto(token.encode(), (addr, int(port)))
            if s.recvfrom(2048)[0] == token.encode():
                sys.exit(0)
        except (socket.timeout, OSError):
            time.sleep(0.1)
    sys.exit(1)


def replies(s, wait):
    """Message types of the datagrams that arrive on S within WAIT seconds."""
    got, end = [], time.time() + wait
    while (left := end - time.time()) > 0:
        if not select.select([s], [], [], left)[0]:
            break
        got.append(s.recv(2048)[0])
    return got


def h_send(src, dst, dport, hexpkt, count, wait):
    """Send the packet COUNT times from SRC, print the types of what comes back."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((src, 0))
    pkt, sent = bytes.fromhex(hexpkt), 0
    for _ in range(int(count)):
        try:
            s.sendto(pkt, (dst, int(dport)))
            sent += 1
        except BlockingIOError:
            pass
    print(json.dumps({'sent': sent, 'src_port': s.getsockname()[1],
                      'replies': replies(s, float(wait))}), flush=True)


def h_forge(src, dst, dport, token):
    """Send TOKEN in one UDP datagram from SRC (an address a does not own) to DST:DPORT
    through the routing table, as a raw IPv4 packet (UDP checksum 0: none)."""
    data = token.encode()
    udp = struct.pack('!HHHH', 40001, int(dport), 8 + len(data), 0) + data
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + udp, (dst, 0))


def h_mac2(src, dst, dport, hexpkt, count, wait):
    """Five rounds of: COUNT copies of PKT from one socket (load), then PKT with a wrong,
    non-zero mac2 from a second socket and PKT unchanged (zero mac2) from a third. Print
    the reply types each of the two got."""
    socks = []
    for _ in range(3):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.bind((src, 0))
        socks.append(s)
    flood, bad, zero = socks
    pkt, to = bytes.fromhex(hexpkt), (dst, int(dport))
    wrong = pkt[:132] + bytes([0x5a] * 16)            # mac2 is bytes 132..147
    for _ in range(5):
        for _ in range(int(count)):
            try:
                flood.sendto(pkt, to)
            except BlockingIOError:
                pass
        time.sleep(0.05)
        bad.sendto(wrong, to)
        zero.sendto(pkt, to)
        time.sleep(0.05)
    print(json.dumps({'bad': replies(bad, float(wait)), 'zero': replies(zero, 0.01)}), flush=True)


def h_catch(addr, port, timeout):
    """Wait for one handshake initiation sent to ADDR:PORT, print it (never consumed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(float(timeout))
    while True:
        data = s.recv(2048)
        if len(data) == 148 and data[0] == 1:
            print(data.hex(), flush=True)
            return


# ---- the orchestrator (root namespace) ----

def sweep_stale_namespaces():
    """Remove namespaces left by a prove.py that was SIGKILLed (its pid is in the name)."""
    for name in os.listdir('/run/netns') if os.path.isdir('/run/netns') else []:
        parts = name.split('-')
        if parts[0] != 'wglbrk' or len(parts) != 4 or not parts[1].isdigit():
            continue
        try:                                          # is that pid still a prove.py?
            with open('/proc/%s/cmdline' % parts[1], 'rb') as f:
                if b'prove.py' in f.read():
                    continue
        except OSError:
            pass
        subprocess.run(['ip', 'netns', 'del', name], stderr=subprocess.DEVNULL)


def die_with_parent():
    """Children get SIGKILL if prove.py dies without cleaning up (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


class Lab:
    """Two namespaces a (initiator) and b (responder), one binary on both ends."""

    def __init__(self, binary, tmp):
        tag = '%d%d' % (os.getpid() % 10000, int(time.time() * 1000) % 100)
        self.ns = {n: 'wglbrk-%d-%s-%s' % (os.getpid(), tag, n) for n in 'ab'}
        self.wg = {'a': 'wgbk%sa' % tag, 'b': 'wgbk%sb' % tag}
        self.veth = {'a': 'vbk%sa' % tag, 'b': 'vbk%sb' % tag}
        self.binary, self.tmp, self.procs = binary, tmp, []
        self.sniffed, self.echoed, self.partial = [], [], {}

    def sh(self, *argv, ns=None, check=True, input=None):
        cmd = (['ip', 'netns', 'exec', self.ns[ns]] if ns else []) + list(argv)
        r = subprocess.run(cmd, capture_output=True, text=True, input=input)
        if check and r.returncode != 0:
            raise RuntimeError('%s: %s' % (' '.join(cmd), r.stderr.strip()))
        return r.stdout.strip()

    def spawn(self, ns, argv, log=None):
        out = open(log, 'w') if log else subprocess.PIPE
        p = subprocess.Popen(['ip', 'netns', 'exec', self.ns[ns]] + argv, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             preexec_fn=die_with_parent)
        self.procs.append(p)
        return p

    def helper(self, ns, *args):
        return self.sh(sys.executable, SELF, *args, ns=ns)

    def up(self):
        for n in 'ab':
            self.sh('ip', 'netns', 'add', self.ns[n])
            self.sh('ip', 'link', 'set', 'lo', 'up', ns=n)
        self.sh('ip', 'link', 'add', self.veth['a'], 'netns', self.ns['a'], 'type', 'veth',
                'peer', 'name', self.veth['b'], 'netns', self.ns['b'])
        for n, addrs in (('a', [A_UL, EVIL]), ('b', [B_UL])):
            for ad in addrs:
                self.sh('ip', 'addr', 'add', ad + '/24', 'dev', self.veth[n], ns=n)
            self.sh('ip', 'link', 'set', self.veth[n], 'up', ns=n)
        keys = {}
        for n in 'ab':
            self.spawn(n, ['env', 'LOG_LEVEL=' + os.environ.get('WGLAB_PROVE_LOG', 'error'),
                           self.binary, '-f', self.wg[n]], log=os.path.join(self.tmp, n + '.log'))
            keys[n] = self.sh('wg', 'genkey')
            for _ in range(100):
                if os.path.exists('/var/run/wireguard/%s.sock' % self.wg[n]):
                    break
                time.sleep(0.05)
        pub = {n: self.sh('wg', 'pubkey', input=keys[n]) for n in 'ab'}
        for n, port in (('a', A_PORT), ('b', B_PORT)):
            kf = os.path.join(self.tmp, n + '.key')
            with open(kf, 'w') as f:
                f.write(keys[n])
            self.sh('wg', 'set', self.wg[n], 'private-key', kf, 'listen-port', str(port), ns=n)
        # a's endpoint first points at a catcher, so a fresh initiation can be taken.
        self.sh('wg', 'set', self.wg['a'], 'peer', pub['b'], 'allowed-ips', B_TUN + '/32',
                'endpoint', '%s:%d' % (EVIL, CATCH_PORT), ns='a')
        self.sh('wg', 'set', self.wg['b'], 'peer', pub['a'], 'allowed-ips', A_TUN + '/32', ns='b')
        self.pub = pub
        for n, ad in (('a', A_TUN), ('b', B_TUN)):
            self.sh('ip', 'addr', 'add', ad + '/24', 'dev', self.wg[n], ns=n)
            self.sh('ip', 'link', 'set', self.wg[n], 'up', ns=n)

    def start_watchers(self):
        self.sniffer = self.spawn('b', [sys.executable, SELF, '_sniff', self.veth['b'], str(B_PORT)])
        self.echo = self.spawn('b', [sys.executable, SELF, '_echo', B_TUN, str(ECHO_PORT)])
        time.sleep(0.3)

    def drain(self):
        """Collect what the sniffer and the echo server printed so far (raw reads: a
        buffered readline would hide lines that arrived together from select)."""
        for p, into, conv in ((self.sniffer, self.sniffed, json.loads),
                              (self.echo, self.echoed, lambda l: l.split(' ', 1)[1])):
            fd, buf = p.stdout.fileno(), self.partial.get(p.pid, b'')
            while select.select([fd], [], [], 0)[0]:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk
            *lines, self.partial[p.pid] = buf.split(b'\n')
            into.extend(conv(l.decode()) for l in lines if l)

    def ask(self, token, timeout=8):
        r = subprocess.run(['ip', 'netns', 'exec', self.ns['a'], sys.executable, SELF, '_ask',
                            B_TUN, str(ECHO_PORT), token, str(timeout)])
        time.sleep(0.2)
        self.drain()
        return r.returncode == 0

    def endpoint_of_a(self):
        out = self.sh('wg', 'show', self.wg['b'], 'endpoints', ns='b')
        return out.split()[1] if out else None

    def down(self):
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        for n in 'ab':
            subprocess.run(['ip', 'netns', 'del', self.ns[n]], stderr=subprocess.DEVNULL)
        keep = os.environ.get('WGLAB_PROVE_KEEP')    # a directory to keep the daemons' logs in
        if keep:
            os.makedirs(keep, exist_ok=True)
            for n in 'ab':
                if os.path.exists(os.path.join(self.tmp, n + '.log')):
                    shutil.copy(os.path.join(self.tmp, n + '.log'), os.path.join(
                        keep, '%s-%s.log' % (os.path.basename(self.binary), n)))


def from_a(lab, typ, minlen=0):
    """Packets of message type TYP that a sent to b, oldest first."""
    return [bytes.fromhex(p['hex']) for p in lab.sniffed
            if p['src'] == A_UL and p['sport'] == A_PORT and p['hex'][:2] == '%02x' % typ
            and len(p['hex']) // 2 >= minlen]


# Each probe returns (broken?, what it saw). "broken" means the variant's flaw showed.

def probe_mac1(lab, st):
    bad = bytearray(st['fresh_init'])
    bad[116] ^= 0xff                                  # mac1 is bytes 116..131
    r = json.loads(lab.helper('a', '_send', EVIL, B_UL, str(B_PORT), bad.hex(), '1', '1.5'))
    return bool(r['replies']), 'reply types to an initiation with bad mac1: %s' % r['replies']


def probe_replay_init(lab, st):
    inits = from_a(lab, 1)
    if not inits:
        raise RuntimeError('no initiation from a was captured')
    time.sleep(0.1)                                   # past the 20 ms flood guard
    r = json.loads(lab.helper('a', '_send', EVIL, B_UL, str(B_PORT), inits[-1].hex(), '1', '1.5'))
    return 2 in r['replies'], 'reply types to a replayed (consumed) initiation: %s' % r['replies']


def probe_replay(lab, st):
    before = len(from_a(lab, 4, 33))
    if not lab.ask('replay-token'):
        raise RuntimeError('echo failed')
    data = from_a(lab, 4, 33)[before:]
    if not data:
        raise RuntimeError('no data packet from a was captured')
    lab.helper('a', '_send', EVIL, B_UL, str(B_PORT), data[0].hex(), '3', '1')
    time.sleep(0.3)
    lab.drain()
    n = lab.echoed.count('replay-token')
    return n > 1, 'echo server got the token %d time(s) after 3 replays of its packet' % n


def probe_hijack(lab, st):
    data = from_a(lab, 4, 33)
    if not data:
        raise RuntimeError('no data packet from a was captured')
    forged = data[-1][:8] + struct.pack('<Q', 1 << 40) + os.urandom(32)  # right index, junk
    was = lab.endpoint_of_a()
    lab.helper('a', '_send', EVIL, B_UL, str(B_PORT), forged.hex(), '1', '0.5')
    now = lab.endpoint_of_a()
    return now != was, "b's endpoint for a: %s -> %s after one forged packet" % (was, now)


def probe_nocookie(lab, st):
    # The flood is a Python loop: on a busy host one may be too slow to put the responder
    # under load, and a stock build then rightly sends no cookie. Up to three floods: a
    # build is broken only if none of them draws a cookie reply.
    sent = cookies = 0
    for _ in range(3):
        r = json.loads(lab.helper('a', '_send', EVIL, B_UL, str(B_PORT),
                                  st['fresh_init'].hex(), '30000', '1.5'))
        sent += r['sent']
        cookies = r['replies'].count(3)
        if cookies:
            break
    return cookies == 0, 'flood of %d valid-mac1 initiations: %d cookie replies' % (
        sent, cookies)


def probe_mac2any(lab, st):
    # Stock answers a wrong mac2 under load like a missing one: with a cookie reply. With
    # mac2any it passes, and the (stale) initiation then fails silently. The zero-mac2
    # copy shows the responder was sending cookies at all (nocookie never does).
    r = json.loads(lab.helper('a', '_mac2', EVIL, B_UL, str(B_PORT), st['fresh_init'].hex(),
                              '2000', '1'))
    bad, zero = r['bad'].count(3), r['zero'].count(3)
    return zero > 0 and bad == 0, 'under load, cookie replies to a wrong mac2: %d, to none: %d' % (
        bad, zero)


def probe_chatty(lab, st):
    time.sleep(1)
    lab.drain()
    start = len(lab.sniffed)
    time.sleep(5)
    lab.drain()
    ka = [p for p in lab.sniffed[start:] if p['hex'][:2] == '04' and len(p['hex']) == 64]
    return len(ka) > 2, '%d keepalives in 5 s on an idle tunnel (no keepalive set)' % len(ka)


def probe_zombie(lab, st):
    lab.sh('wg', 'set', lab.wg['b'], 'peer', lab.pub['a'], 'remove', ns='b')
    listed = lab.sh('wg', 'show', lab.wg['b'], 'peers', ns='b')
    if listed:
        raise RuntimeError('peer still listed after remove: %s' % listed)
    ok = lab.ask('zombie-token', timeout=3)
    return ok, 'echo over the removed peer %s' % ('still works' if ok else 'fails')


def probe_allowedsrc(lab, st):
    # a's own WireGuard encrypts it (a checks only the destination when sending); b must
    # drop it after decryption: its source is outside a's AllowedIPs on b.
    lab.helper('a', '_forge', FORGED, B_TUN, str(ECHO_PORT), 'forged-token')
    time.sleep(0.5)
    lab.drain()
    n = lab.echoed.count('forged-token')
    return n > 0, 'echo server got %d datagram(s) with inner source %s (not in a\'s AllowedIPs)' % (
        n, FORGED)


def probe_lpm(lab, st):
    # A second peer on b (no endpoint) owns the whole tunnel /24, overlapping a's /32:
    # a's /32 must still win, for a's packets from A_TUN (receive) and b's replies (send).
    key = lab.sh('wg', 'genkey')
    wide = lab.sh('wg', 'pubkey', input=key)
    lab.sh('wg', 'set', lab.wg['b'], 'peer', wide, 'allowed-ips', A_TUN.rsplit('.', 1)[0] + '.0/24',
           ns='b')
    ok = lab.ask('lpm-token', timeout=2)
    lab.sh('wg', 'set', lab.wg['b'], 'peer', wide, 'remove', ns='b')
    return not ok, 'echo with a wider peer overlapping a\'s /32 on b: %s' % (
        'works' if ok else 'fails')


def probe_selfpeer(lab, st):
    own = lab.sh('wg', 'show', lab.wg['b'], 'public-key', ns='b')
    lab.sh('wg', 'set', lab.wg['b'], 'peer', own, 'endpoint', '%s:%d' % (EVIL, CATCH_PORT),
           'persistent-keepalive', '1', ns='b')
    listed = own in lab.sh('wg', 'show', lab.wg['b'], 'peers', ns='b').split()
    if listed:
        lab.sh('wg', 'set', lab.wg['b'], 'peer', own, 'remove', ns='b')
    return listed, "b's own public key as a peer: %s" % ('listed' if listed else 'ignored')


def probe_loworder(lab, st):
    catcher = lab.spawn('a', [sys.executable, SELF, '_catch', EVIL, str(CATCH_PORT), '3'])
    time.sleep(0.3)
    for k in LOW_ORDER:
        lab.sh('wg', 'set', lab.wg['b'], 'peer', k, 'endpoint', '%s:%d' % (EVIL, CATCH_PORT),
               'persistent-keepalive', '1', ns='b')
    out = catcher.communicate(timeout=10)[0].decode(errors='replace')
    for k in LOW_ORDER:
        lab.sh('wg', 'set', lab.wg['b'], 'peer', k, 'remove', ns='b')
    # The catcher prints the initiation in hex; on a timeout it prints a traceback.
    got = any(len(l) == 296 and all(c in '0123456789abcdef' for c in l) for l in out.split())
    return got, 'initiation sent to a zero or low-order peer: %s' % ('yes' if got else 'no')


def probe_keychange(lab, st):
    # a takes a new key and b swaps a's old key for the new one: a must drop its old
    # session and handshake at once (well before REKEY_TIMEOUT, 5 s).
    key = lab.sh('wg', 'genkey')
    pub = lab.sh('wg', 'pubkey', input=key)
    kf = os.path.join(lab.tmp, 'a2.key')
    with open(kf, 'w') as f:
        f.write(key)
    lab.sh('wg', 'set', lab.wg['a'], 'private-key', kf, ns='a')
    lab.sh('wg', 'set', lab.wg['b'], 'peer', pub, 'allowed-ips', A_TUN + '/32',
           'peer', lab.pub['a'], 'remove', ns='b')
    lab.pub['a'] = pub
    ok = lab.ask('keychange-token', timeout=2)
    if not ok:
        lab.ask('keychange-recover', timeout=30)   # the old session expires; then it works
    return not ok, 'echo within 2 s of the key change: %s' % ('works' if ok else 'fails')


def run_probe(lab, st, name, res, done=None):
    broken, saw = done or globals()['probe_' + name.replace('-', '_')](lab, st)
    res[name] = broken
    # After each probe the tunnel must still work (zombie leaves no peer on b by design).
    still = name == 'zombie' or lab.ask('after-' + name)
    print('    %-12s %-7s %s%s' % (name, 'BROKEN' if broken else 'ok', saw,
                                   '' if still else '  [TUNNEL DEAD AFTERWARDS]'), flush=True)
    if not still:
        raise RuntimeError('tunnel stopped working after probe %s' % name)


def run_binary(binary, tmp):
    """Run every probe against BINARY; return {probe: broken?} or raise on a setup failure."""
    lab, res = Lab(binary, tmp), {}
    try:
        lab.up()
        # Traffic for b makes a send an initiation to the catcher: b never sees it, so it
        # stays fresh for the mac1 probe, which runs before b sees any newer initiation.
        catcher = lab.spawn('a', [sys.executable, SELF, '_catch', EVIL, str(CATCH_PORT), '8'])
        time.sleep(0.3)
        lab.sh(sys.executable, SELF, '_ask', B_TUN, str(ECHO_PORT), 'x', '1', ns='a', check=False)
        st = {'fresh_init': bytes.fromhex(catcher.communicate(timeout=10)[0].decode().strip())}
        lab.start_watchers()
        mac1 = probe_mac1(lab, st)
        lab.sh('wg', 'set', lab.wg['a'], 'peer', lab.pub['b'],
               'endpoint', '%s:%d' % (B_UL, B_PORT), ns='a')
        if not lab.ask('hello'):
            raise RuntimeError('baseline handshake + echo failed')
        for name in PROBES:
            run_probe(lab, st, name, res, mac1 if name == 'mac1' else None)
        return res
    finally:
        lab.down()


def main(argv):
    if len(argv) > 1 and argv[1].startswith('_'):
        return globals()['h' + argv[1]](*argv[2:])
    d = os.environ.get('WGLAB_BROKEN_DIR', '/var/cache/wglab/broken')
    args = argv[1:]
    if args[:1] == ['--dir']:
        d, args = args[1], args[2:]
    if os.geteuid() != 0:
        print('prove.py: skipped: needs root (namespaces)')
        return 77
    sweep_stale_namespaces()
    if not os.access(os.path.join(d, 'wireguard-go-stock'), os.X_OK):
        print('prove.py: skipped: %s/wireguard-go-stock missing (run tests/broken/build.sh %s)'
              % (d, d))
        return 77
    variants = args or sorted(f[len('wireguard-go-'):] for f in os.listdir(d)
                              if f.startswith('wireguard-go-') and not f.endswith('.tmp')
                              and f != 'wireguard-go-stock')
    failed, runs = 0, ['stock'] + [v for v in variants if v != 'stock']
    for v in runs:
        binary = os.path.join(d, 'wireguard-go-' + v)
        print('%s (%s)' % (v, binary), flush=True)
        if v in NO_PROBE:
            print('    no probe here: proven by its scenario (tests/broken/README.md)')
        with tempfile.TemporaryDirectory(prefix='wglab-prove-') as tmp:
            try:
                res = run_binary(binary, tmp)
            except Exception as e:                     # a setup or tunnel failure
                print('    FAIL: %s' % e)
                for n in 'ab':
                    log = os.path.join(tmp, n + '.log')
                    if os.path.exists(log):
                        print('    --- %s log tail:\n%s' % (n, open(log).read()[-1500:]))
                failed += 1
                continue
        want = {p: p == v for p in PROBES}
        verdict = 'as expected' if res == want else 'UNEXPECTED (want broken: %s)' % (
            [p for p in PROBES if want[p]] or 'none')
        failed += res != want
        print('    => %s' % verdict, flush=True)
    print('%d passed, %d failed' % (len(runs) - failed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    # SIGTERM (e.g. a meson timeout) unwinds like ^C, so namespaces and daemons are removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        sys.exit(main(sys.argv) or 0)
    except KeyboardInterrupt:
        print('prove.py: interrupted')
        sys.exit(130)
