-- idle: once traffic stops, a pair without persistent keepalive goes silent
-- on the wire (after the one passive keepalive ~10 s after the last data), and
-- b answers nothing an unauthenticated prober sends it.
--
--   [a: veth0, wg0]----veth----[b: veth0, wg0, veth1]----veth----[c: veth0]
--                                                     (prober c, 198.18.3.0/24)
--
-- The silent window is computed from the capture itself: it starts
-- KEEPALIVE (10 s) + margin after the last data message on the wire and lasts
-- to the end of the capture. The negative control is a pair with persistent
-- keepalive 1 s, run at the same time, checked by the same function.

scenario {
  name = "idle",
  description = "silence on the wire when idle; no answer to unauthenticated probes",
  topology = "pair",
  families = { "ipv4" },
  params = {
    idle = { default = 25, min = 15, max = 3600, type = "number" }, -- s of silence watched
    pings = { default = 5, min = 1, max = 1000 },
    margin = { default = 2, min = 0, max = 60, type = "number" },   -- s
    seed = { default = 1, min = 0, max = 2147483647 },
  },
  timeout = 90,
}

local KEEPALIVE = 10 -- protocol: passive keepalive after this much receive-only time
local PROBER = { b = "198.18.3.2", c = "198.18.3.3", plen = 24 }

local function peer_state(dev)
  return dev:get().peers[1] or {}
end

-- tx/rx bytes and last handshake of both sides.
local function snapshot(net)
  local a, b = peer_state(net.wg[1]), peer_state(net.wg[2])
  return { a.tx_bytes, a.rx_bytes, b.tx_bytes, b.rx_bytes, a.last_handshake, b.last_handshake }
end

local function same(x, y)
  for i = 1, #x do
    if x[i] ~= y[i] then return false end
  end
  return true
end

local function fmt(t)
  local s = {}
  for i, v in ipairs(t) do s[i] = string.format("%.0f", v) end
  return table.concat(s, "/")
end

-- Silence checks over one capture of b's underlay and the peers' counters.
-- t_stop/t_end: wglab.now() when traffic stopped and when the capture ended.
local function check_silent(case, net, path, st_start, st_end, t_stop, t_end, tag)
  local msgs = wglab.wg_messages(path)
  local last_data
  for _, m in ipairs(msgs) do
    if m.type == 4 and #m.data > 32 then last_data = m end
  end
  if not check("data on the wire" .. tag, last_data ~= nil) then return end
  -- Analysis times are relative to the file's first record. With nothing but
  -- WireGuard on the underlay (checked), the first meaningful record is the
  -- first WireGuard message, whose absolute time wg_messages gives.
  local full = wglab.analyze(path, { since = 0 })
  check("only WireGuard on the underlay" .. tag, full.leaks == 0 and full.classes.fragments == 0,
        full.leak_example or ("fragments " .. full.classes.fragments))
  local base = msgs[1].time - full.silence.first_after_since_s
  local window_start = last_data.time + KEEPALIVE + case.margin
  local w = wglab.analyze(path, { since = window_start - base })
  check_eq("no packet at all in the silent window" .. tag, w.after_since, 0)
  check_eq("no WireGuard message in the silent window" .. tag, w.wg_after_since, 0)
  local keepalives = { [net.underlay[1]] = 0, [net.underlay[2]] = 0 }
  for _, m in ipairs(msgs) do
    if m.time > last_data.time and m.time < window_start and m.type == 4 and #m.data == 32 then
      keepalives[m.src] = (keepalives[m.src] or 0) + 1
    end
  end
  check_le("at most one passive keepalive from a after the data" .. tag, keepalives[net.underlay[1]], 1)
  check_le("at most one passive keepalive from b after the data" .. tag, keepalives[net.underlay[2]], 1)
  -- The window as the script saw it: traffic stopped at t_stop (so the last
  -- data message is no later), the capture ran until t_end.
  local window = t_end - t_stop - KEEPALIVE - case.margin
  check_ge("silent window observed (s)" .. tag, window, case.idle - KEEPALIVE - case.margin - 1)
  check("peer counters unchanged in the window" .. tag, same(st_start, st_end),
        "tx_a/rx_a/tx_b/rx_b/hs_a/hs_b " .. fmt(st_start) .. " -> " .. fmt(st_end))
  return window
end

local function random_bytes(n)
  local t = {}
  for i = 1, n do t[i] = string.char(math.random(0, 255)) end
  return table.concat(t)
end

-- A message with a WireGuard header (type, 3 zero bytes) and random rest.
local function shaped(wgtype, len)
  return string.char(wgtype, 0, 0, 0) .. random_bytes(len - 4)
end

-- The prober: garbage and forged messages to b's port; b must answer none.
local function probe(c, port, tag)
  local s = c:udp { bind = PROBER.c, port = 0 }
  local probes = {
    { "garbage 1 byte", random_bytes(1) }, { "garbage 37 bytes", random_bytes(37) },
    { "garbage 200 bytes", random_bytes(200) },
    { "initiation with wrong mac1", shaped(1, 148) },
    { "second initiation with wrong mac1", shaped(1, 148) },
    { "forged response", shaped(2, 92) }, { "forged cookie reply", shaped(3, 64) },
    { "transport to an unknown index", shaped(4, 64) },
  }
  local answered = {}
  for _, p in ipairs(probes) do
    s:send(PROBER.b, port, p[2])
    local reply = s:recv(0.25)
    if reply then answered[#answered + 1] = p[1] .. " (" .. #reply .. " bytes)" end
  end
  check_eq("prober got no answer to any probe" .. tag,
           #answered == 0 and "none" or table.concat(answered, ", "), "none")
  return #probes
end

-- Probes b on `port` with captures on the prober's link: what arrived, what left b.
local function probe_checked(net, c, port, tag)
  local cap_in = wglab.capture(net.b, "veth1", { file = "idle-prober" .. port .. "-in.pcap",
                                                  filter = "udp and src host " .. PROBER.c })
  local cap_out = wglab.capture(net.b, "veth1", { file = "idle-prober" .. port .. "-from-b.pcap",
                                                   filter = "ip and not src host " .. PROBER.c })
  local sent = probe(c, port, tag)
  local wi, wo = cap_in:stop(), cap_out:stop()
  check_eq("the forged initiations reached b" .. tag, wi.initiations, 2)
  check_eq("every probe reached b" .. tag, wi.records, sent)
  check_eq("nothing left b towards the prober" .. tag, wo.records, 0)
end

local function prober_node(net)
  local c = wglab.node("c")
  net.b:veth("veth1", c, "veth0")
  net.b:addr("veth1", PROBER.b .. "/" .. PROBER.plen)
  c:addr("veth0", PROBER.c .. "/" .. PROBER.plen)
  net.b:up("veth1")
  c:up("veth0")
  return c
end

local function traffic(net, n, tag)
  local ok_all = true
  for _ = 1, n do
    local ok = net.a:ping(net.tunnel[2], { timeout = 5 })
    ok_all = ok_all and ok
    wglab.sleep(0.2)
  end
  check("traffic through the tunnel" .. tag, ok_all)
end

function run(case)
  math.randomseed(case.seed)
  local backends = { case.backend_a, case.backend_b }
  local net = wglab.pair { backends = backends }
  local ctl = wglab.pair { backends = backends, keepalive = 1 } -- the negative control
  local c = prober_node(net)
  local cap = wglab.capture(net.b, "veth0", { file = "idle-underlay.pcap" })
  local cap_ctl = wglab.capture(ctl.b, "veth0", { file = "idle-control-keepalive.pcap" })

  traffic(net, case.pings, "")
  traffic(ctl, case.pings, " (keepalive 1)")
  local t_stop = wglab.now()

  -- Into the window: counters, then probe b from c while it must stay silent.
  wglab.sleep(KEEPALIVE + case.margin + 0.5)
  local st, st_ctl = snapshot(net), snapshot(ctl)
  probe_checked(net, c, net.port, "")

  local rest = t_stop + case.idle - wglab.now()
  if rest > 0 then wglab.sleep(rest) end
  local st2, st2_ctl = snapshot(net), snapshot(ctl)
  local w = cap:stop()
  local t_end = wglab.now()
  local w_ctl = cap_ctl:stop()
  local window = check_silent(case, net, w.path, st, st2, t_stop, t_end, "")
  if window then metric("silent_window", "s", window) end

  -- A closed port answers with ICMP port unreachable: the prober checks see it.
  expect_fail("probing a closed port: b's ICMP error is seen", function()
    probe_checked(net, c, net.port + 1, " (closed port)")
  end)
  expect_fail("persistent keepalive 1 s: the wire is not silent", function()
    check_silent(case, ctl, w_ctl.path, st_ctl, st2_ctl, t_stop, wglab.now(), " (keepalive 1)")
  end)
end
