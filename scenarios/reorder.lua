-- reorder: the replay window exercised by the network. A middlebox on the
-- router holds transport packets back and lets them go after a number of
-- later ones, so each arrives that many counters behind the newest.
--
--   [client]--eth--[r: eth0 | eth1 out: impair{reorder}]--eth--[server]
--    captures: r/eth0 (before the middlebox), server/eth0 (after), server/wg0 (inner)
--
-- Three phases of inner UDP datagrams, client to server:
-- 1. small lags (every `every`-th packet held for `lag` later ones): every held
--    packet arrives reordered on the wire, none too old;
-- 2. one marked datagram `near` counters behind (inside the window): delivered;
-- 3. one marked datagram `beyond` counters behind (outside it): dropped.
-- Both implementations keep 8128 counters (128 blocks of 64 bits, one block
-- of slack); the wire analysis flags lags of 8192 and more as too old, so
-- `near` and `beyond` sit on either side of both.
-- The marked datagram goes to its own port (counted on the server's wg0)
-- and is longer than the filler (recognised on the wire by its length), and
-- is sent when the middlebox has seen exactly every - 1 packets: the held
-- packet is the marked one, checked on the wire. Filler is paced against the
-- middlebox's own count, so what the sender loses does not shift anything.
-- The broken wireguard-go build `replay` delivers the beyond-window datagram.

scenario {
  name = "reorder",
  description = "transport reordering within and beyond the replay window (middlebox on a router)",
  topology = "pair",
  families = { "ipv4", "ipv6" },
  params = {
    count = { default = 2000, min = 100, max = 100000 },  -- datagrams of phase 1
    every = { default = 100, min = 2, max = 10000 },      -- phase 1: every Nth packet held
    lag = { default = 50, min = 1, max = 8000 },          -- phase 1: for that many later ones
    near = { default = 8000, min = 1, max = 8127 },       -- phase 2 lag: inside the window
    beyond = { default = 8300, min = 8193, max = 100000 }, -- phase 3 lag: outside it
  },
  timeout = 120,
}

local PORT, MARK_PORT = 9000, 9001
-- The marked datagram is longer than the filler: its transport packet is
-- recognised on the wire by its length (WireGuard pads to 16 bytes).
local FILL, MARK = string.rep("f", 32), string.rep("m", 64)

-- Transport length of the marked datagram: 16 header + padded inner (IP + UDP + 64) + 16 tag.
local MARK_WIRE = { ipv4 = 16 + 96 + 16, ipv6 = 16 + 112 + 16 }

local function build(case)
  local t = wglab.topology { nodes = { "client", "server" }, routers = { "r" },
                             links = { { "client", "r" }, { "r", "server" } } }
  local net = wglab.tunnel { topology = t, a = "client", b = "server", outer = case.family,
                             inner = case.family, backends = { case.backend_a, case.backend_b } }
  net.family = case.family
  return t, net
end

local function seen(imp) return imp:stats().seen end

-- Waits (up to 1 s) until the middlebox has seen n packets; returns what it has seen.
local function wait_seen(imp, n)
  return wait_until(function() return seen(imp) >= n end, 1, 0.002) and n or seen(imp)
end

-- Waits until nothing more reaches the middlebox (what was sent has landed
-- or was lost on the way); returns its count.
local function quiet(imp)
  local n, m = seen(imp), -1
  while n ~= m do
    wglab.sleep(0.15)
    m, n = n, seen(imp)
  end
  return n
end

-- Sends filler datagrams until the middlebox has seen `target` transport
-- packets: paced bursts that cannot reach it, each let land, then one at a
-- time, so it stops on the dot whatever the sender or its queues lose.
local function fill_to(imp, net, sock, target)
  local n = quiet(imp)
  while target - n > 60 do
    for i = 1, target - n - 50 do
      sock:send(net.tunnel[2], PORT, FILL)
      if i % 100 == 0 then wglab.sleep(0.004) end
    end
    n = quiet(imp)
  end
  while n < target do
    sock:send(net.tunnel[2], PORT, FILL)
    n = wait_seen(imp, n + 1)
  end
  return n
end

-- Transport messages of the client's sessions in an outer analysis, summed.
local function client_sessions(w, net)
  local s = { packets = 0, reordered = 0, too_old = 0, duplicates = 0 }
  for _, x in ipairs(w.sessions or {}) do
    if x.src:match("^%[?([^%]]+)%]?:%d+$") == net.underlay[1] then
      for k in pairs(s) do s[k] = s[k] + x[k] end
    end
  end
  return s
end

-- One phase: `body(imp)` drives the traffic through impairment `spec`;
-- returns what the middlebox, the wire and the server's wg0 saw.
local function phase(t, net, spec, tag, body)
  local before = wglab.capture(t.r, "eth0", { file = "r-eth0" .. tag .. ".pcap", snaplen = 96 })
  local after = wglab.capture(t.server, "eth0", { file = "server-eth0" .. tag .. ".pcap", snaplen = 256 })
  local inner = wglab.capture(t.server, "wg0", { file = "server-wg0" .. tag .. ".pcap", snaplen = 64,
                                                 filter = "udp dst port " .. MARK_PORT })
  local imp = t.r:impair("eth1", spec)
  local r = { via = imp.via }
  body(imp, r)
  if r.via == "nfqueue" then quiet(imp) end
  r.mbox = imp:stats()
  imp:stop() -- lets whatever is still held go
  wglab.sleep(0.3)
  local wb, wa, wi = before:stop(), after:stop(), inner:stop()
  r.before, r.after, r.marked = client_sessions(wb, net), client_sessions(wa, net), wi.records
  r.after_path = wa.path
  log(string.format("%s: %s; middlebox saw %d, held %d; wire: %d transports before it, %d after "
                    .. "(reordered %d, too old %d, duplicates %d); marked datagrams on wg0: %d",
                    tag, r.via, r.mbox.seen or 0, r.mbox.reordered or 0, r.before.packets,
                    r.after.packets, r.after.reordered, r.after.too_old, r.after.duplicates,
                    r.marked))
  return r
end

-- Small lags: every `every`-th packet held for `lag` later ones.
local function small_lags(t, net, sock, case, count, tag)
  local spec = { reorder = { every = case.every, after = case.lag } }
  return phase(t, net, spec, tag, function(imp) fill_to(imp, net, sock, count) end)
end

-- The wire checks of a phase (also run by the negative control). A held
-- packet arrives reordered if anything passed it: all but one held last.
local function check_small(r, every, tag)
  local seen = r.mbox.seen or 0
  check_eq("middlebox held every " .. every .. "th packet" .. tag, r.mbox.reordered, seen // every)
  check("some packets held" .. tag, (r.mbox.reordered or 0) > 0)
  check_eq("every held packet that something passed arrives reordered on the wire" .. tag,
           r.after.reordered - r.before.reordered,
           (r.mbox.reordered or 0) - ((seen > 0 and seen % every == 0) and 1 or 0))
  check_eq("nothing too old on the wire" .. tag, r.after.too_old, 0)
end

-- The client's transport packets as long as the marked one on the server's
-- link: how many, and how far behind the newest counter the last one arrived.
local function marked_on_wire(path, net)
  local max, n, behind = {}, 0, nil
  for _, m in ipairs(wglab.wg_messages(path, { type = 4 })) do
    if m.src == net.underlay[1] then
      local top = max[m.receiver] or -1
      if #m.data == MARK_WIRE[net.family] then
        n, behind = n + 1, top - m.counter
      end
      if m.counter > top then max[m.receiver] = m.counter end
    end
  end
  return n, behind
end

-- One marked datagram held for `lag` later packets; r.marked says whether it was delivered.
local function one_late(t, net, sock, lag, tag)
  local every = lag + 1000
  return phase(t, net, { reorder = { every = every, after = lag } }, tag, function(imp, r)
    r.at_mark = fill_to(imp, net, sock, every - 1)
    sock:send(net.tunnel[2], MARK_PORT, MARK)
    r.mark_seen = wait_seen(imp, every) == every
    fill_to(imp, net, sock, every + lag + 20)
  end)
end

function run(case)
  local t, net = build(case)
  check("tunnel up through the router", (net.a:ping(net.tunnel[2], { timeout = 10, interval = 0.1 })))
  local sock = net.a:udp { bind = net.tunnel[1] }

  -- 1. Small lags.
  local p1 = small_lags(t, net, sock, case, case.count, "-small")
  check_small(p1, case.every, " (lag " .. case.lag .. ")")
  metric("reorder_asked_pct", "%", 100 / case.every)
  if p1.after.packets > 0 then
    metric("reorder_measured_pct", "%", 100 * (p1.after.reordered - p1.before.reordered) / p1.after.packets)
  end

  -- 2. and 3. The marked datagram `near` (inside the window) and `beyond` (outside) late.
  for _, x in ipairs({ { case.near, true, "-near" }, { case.beyond, false, "-beyond" } }) do
    local lag, inside, tag = x[1], x[2], " (lag " .. x[1] .. ")"
    local r = one_late(t, net, sock, lag, x[3])
    local n, behind = marked_on_wire(r.after_path, net)
    check("the marked datagram was the held packet" .. tag,
          r.mark_seen and r.at_mark == lag + 999 and r.mbox.reordered == 1 and n == 1
          and behind ~= nil and behind >= lag,
          string.format("middlebox at %d before it, held %d; on the wire %d of its length, "
                        .. "%s counters behind the newest", r.at_mark, r.mbox.reordered or 0, n,
                        tostring(behind)))
    if inside then
      check_eq("it arrives reordered, not too old, on the wire" .. tag,
               r.after.too_old - r.before.too_old, 0)
      check_eq("in-window: the late datagram is delivered" .. tag, r.marked, 1)
    else
      check_eq("it arrives too old on the wire" .. tag, r.after.too_old - r.before.too_old, 1)
      check_eq("beyond the window: the late datagram is dropped" .. tag, r.marked, 0)
    end
  end

  -- Without a middlebox nothing arrives late: the wire checks must fail.
  expect_fail("an unimpaired path shows no reordering", function()
    local p0 = phase(t, net, { via = "nfqueue" }, "-control", function(imp) fill_to(imp, net, sock, 300) end)
    check_small(p0, case.every, " (control)")
  end)
end
