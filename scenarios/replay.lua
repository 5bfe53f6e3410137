-- replay: the peer under test must never deliver a transport packet twice,
-- never answer a replayed initiation, and keep a counter window that takes
-- in-window reordering but rejects duplicates and too-old counters.
--
--   [a: probe (wglab's own WireGuard), udp 198.18.0.1]---veth---[b: wg0 under test]
--                                                          capture: b/wg0 (inner)
--
-- The probe is a second peer of b with tunnel address .3; whether b
-- accepted a transport packet is seen as an ICMP echo reply coming back and
-- as the echo request on b's wg0 (the inner capture).

scenario {
  name = "replay",
  description = "transport/initiation replay rejection and counter window",
  topology = "single",
  families = { "ipv4", "ipv6" },
  params = {
    window_max = { default = 20000, min = 2, max = 1000000 }, -- largest lag searched
    silence_min = { default = 0.25, min = 0.01, max = 10 },  -- s, floor of "no answer" waits
  },
}

local function setup(case)
  local fam = case.family
  local net = wglab.pair { backends = { case.backend, case.backend }, outer = fam, inner = fam }
  local v6 = fam == "ipv6"
  local inner_src = v6 and "2001:2:0:2::3" or "198.19.0.3"
  local priv, pub = wglab.genkey()
  net.wg[2]:set { peers = { { public_key = pub, allowed_ips = { inner_src .. (v6 and "/128" or "/32") } } } }
  local sock = net.a:udp { bind = net.underlay[1] }
  local ep = v6 and ("[" .. net.underlay[2] .. "]:51820") or (net.underlay[2] .. ":51820")
  local p = wglab.probe { socket = sock, private_key = priv, peer_public_key = net.public_key[2],
                          peer_endpoint = ep, inner_src = inner_src, inner_dst = net.tunnel[2] }
  return net, p, sock
end

-- How long "no answer" is awaited: 20x the slowest answer b gave so far in
-- this case (at least case.silence_min), never longer than `cap`, the fixed
-- window used before. A packet b accepted is answered well within that, so
-- it is the rejection, not a short clock, that leaves the probe unanswered.
local slowest_ms, silence_min = 0, 0.25
-- Past the 20 ms a peer waits between two initiations it takes from one peer.
local INITIATION_GAP = 0.05
local function answered_in(ok, ms)
  if ok and ms and ms > slowest_ms then slowest_ms = ms end
  return ok
end
local function silence(cap)
  return math.min(cap, math.max(silence_min, 20 * slowest_ms / 1000))
end

-- Sends one echo with the given counter; true if b answered it.
local function accepted(p, counter)
  local seq = p:send_transport { counter = counter }
  return answered_in(p:wait_echo { seq = seq, timeout = silence(0.5) })
end

-- The delivery checks, shared by the real test and the negative control.
-- `inner` is the analysis of b's wg0 capture; `echo_requests` how many
-- distinct echo requests the probe meant to deliver.
local function check_delivery(tag, answered_again, inner, echo_requests)
  check("replayed transport not answered" .. tag, not answered_again)
  check_eq("echo requests delivered on b/wg0" .. tag, inner.records_in_window or inner.records,
           echo_requests * 2)
end

function run(case)
  silence_min = case.silence_min
  local net, p, sock = setup(case)
  local inner = wglab.capture(net.b, "wg0", { file = "b-wg0.pcap" })
  local outer = wglab.capture(net.b, "veth0", { file = "b-veth0.pcap" })
  local ok, rtt = p:handshake { timeout = 5 }
  local handshake_at = wglab.now()
  answered_in(ok, rtt)
  check("probe handshake with " .. case.backend, ok, tostring(rtt))
  if not ok then return end
  p:keylog(wglab.artifact("probe.keylog", "keylog"))

  -- 1. An exact copy of a delivered transport packet.
  local ok1 = answered_in(p:ping { timeout = 2 })
  check("original echo answered", ok1)
  p:resend_last()
  local again = p:wait_echo { timeout = silence(1) }
  local wi = inner:stop()
  -- one request + one reply per delivered echo on b's wg0
  check_delivery("", again, wi, 1)

  -- 2. A replayed initiation: no response, and the session keeps working.
  -- Each replay comes well after 20 ms, so the per-peer flood limit cannot
  -- be what drops it: only the timestamp check can. The fresh initiation
  -- before them, too: a peer drops an initiation that comes within 20 ms of
  -- the last one it took from the same peer (50 a second), and a build that
  -- answers the replayed transport at once gets here sooner than that.
  local since = wglab.now() - handshake_at
  if since < INITIATION_GAP then wglab.sleep(INITIATION_GAP - since) end
  p:send_initiation {}
  local init = p:last_sent()
  local kind = p:recv { timeout = 2 }
  check_eq("fresh initiation answered", kind, "response")
  p:send_transport { data = "" } -- keepalive confirms the new session
  check("session works after the fresh handshake", (p:ping { timeout = 2 }))
  wglab.sleep(0.1)
  sock:send(net.underlay[2], 51820, init)
  local k1 = p:recv { timeout = silence(1.5) }
  check_eq("byte-exact replayed initiation gets no response", k1, "none")
  wglab.sleep(0.1)
  p:send_initiation { timestamp = "repeat" }
  local k2 = p:recv { timeout = silence(1.5) }
  check_eq("initiation with a replayed timestamp gets no response", k2, "none")
  check("session still works after the replayed initiations", (p:ping { timeout = 2 }))

  -- 3. The counter window.
  local base = 100000
  check("counter jump ahead accepted", accepted(p, base))
  check("in-window reordering accepted (top-100)", accepted(p, base - 100))
  check("duplicate counter rejected", not accepted(p, base - 100))
  check("duplicate of the top rejected", not accepted(p, base))
  check("too-old counter rejected (top-9000)", not accepted(p, base - 9000))
  -- Measure the window: the largest lag still accepted, by bisection with a fresh top each time.
  local lo, hi, top = 1, case.window_max, base
  while hi - lo > 1 do
    local mid = (lo + hi) // 2
    top = top + case.window_max + 1
    accepted(p, top)
    if accepted(p, top - mid) then lo = mid else hi = mid end
  end
  metric("replay_window", "counters", lo)
  log(string.format("%s accepts counters up to %d behind the newest", case.backend, lo))
  check("window holds at least 2000 counters", lo >= 2000,
        "largest accepted lag " .. lo)
  check("window is bounded", lo < case.window_max - 1, "largest accepted lag " .. lo)

  local wo = outer:stop()
  check_eq("no plaintext on the underlay", wo.leaks, 0)

  -- Negative control: two *different* counters carrying the same echo are a
  -- legitimate retransmission; the delivery checks must flag the second one.
  expect_fail("a second delivery is detected", function()
    local net2, p2 = setup(case)
    local cap = wglab.capture(net2.b, "wg0", { file = "control-b-wg0.pcap" })
    p2:handshake { timeout = 5 }
    p2:ping { timeout = 2 }
    local seq = p2:send_transport {}          -- same request again, new counter
    local again2 = p2:wait_echo { seq = seq, timeout = 1 }
    check_delivery(" (control)", again2, cap:stop(), 1)
  end)
end
