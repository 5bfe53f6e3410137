-- rekey: with steady traffic, the side that initiated the session and sends
-- data starts a new handshake near REKEY_AFTER_TIME (120 s); nothing is lost
-- across it and the session keys (indices on the wire) change.
--
--   [a: veth0, wg0]----veth----[b: veth0, wg0]
--
-- Traffic is a UDP echo through the tunnel every `interval` s (a -> b -> a),
-- so a initiates the first session and keeps sending data: a must rekey.
-- The rekey interval is a protocol property checked against [120, 130] s
-- (REKEY_AFTER_TIME, plus the gap to a's next send and the handshake time),
-- not a performance threshold.

scenario {
  name = "rekey",
  description = "new handshake near REKEY_AFTER_TIME, no loss across it, keys change",
  suite = "slow",
  topology = "pair",
  families = { "ipv4" },
  params = {
    duration = { default = 135, min = 1, max = 3600, type = "number" }, -- s
    interval = { default = 0.5, min = 0.01, max = 60 },                 -- s between echoes
    echo_timeout = { default = 1, min = 0.01, max = 60, type = "number" }, -- s
  },
  timeout = 200,
}

local REKEY_AFTER_TIME = 120
local LIMIT = { REKEY_AFTER_TIME, REKEY_AFTER_TIME + 5 + 5 }
local ECHO_PORT = 7000

local function host_of(endpoint)
  return endpoint and endpoint:match("^%[?([^%]]+)%]?:%d+$")
end

local function peer_state(dev)
  return dev:get().peers[1] or {}
end

-- Receives the datagram carrying `want`; older (late) ones are skipped.
local function recv_match(s, want, timeout)
  local deadline = wglab.now() + timeout
  while true do
    local left = deadline - wglab.now()
    if left <= 0 then return nil end
    local data, src, sport = s:recv(left)
    if not data then return nil end
    if data == want then return data, src, sport end
  end
end

-- One echo a -> b -> a; returns true when answered.
local function echo(net, sa, sb, seq, timeout)
  local msg = string.format("wglab-rekey %08d", seq)
  sa:send(net.tunnel[2], ECHO_PORT, msg)
  local got, src, sport = recv_match(sb, msg, timeout)
  if not got then return false end
  sb:send(src, sport, got)
  return recv_match(sa, msg, timeout) ~= nil
end

-- Traffic for `duration` s; returns the send times of answered and lost echoes.
local function run_traffic(case, net, sa, sb)
  local t0 = wglab.now()
  local answered, lost = {}, {}
  local seq = 0
  while wglab.now() - t0 < case.duration do
    seq = seq + 1
    local t = wglab.now()
    if echo(net, sa, sb, seq, case.echo_timeout) then
      answered[#answered + 1] = t
    else
      lost[#lost + 1] = t
    end
    local next_at = t0 + seq * case.interval
    if next_at > wglab.now() then wglab.sleep(next_at - wglab.now()) end
  end
  return answered, lost
end

-- The protocol checks on an analysis of b's underlay.
local function check_rekey(w, net, tag)
  local iv = w.rekey_intervals_s or {}
  check_ge("rekey handshakes on the wire" .. tag, #iv, 1)
  for i, v in ipairs(iv) do
    check(string.format("rekey interval %d within [%d, %d] s%s", i, LIMIT[1], LIMIT[2], tag),
          v >= LIMIT[1] and v <= LIMIT[2], string.format("%.3f s", v))
  end
  local list = (w.handshakes or {}).list or {}
  for i = 2, #list do
    check_eq("rekey " .. (i - 1) .. " initiated by a" .. tag, host_of(list[i].initiator), net.underlay[1])
  end
  check_eq("every handshake answered" .. tag, (w.handshakes or {}).answered, #list)
  local per_dir = {}
  for _, s in ipairs(w.sessions or {}) do
    local k = host_of(s.src)
    per_dir[k] = (per_dir[k] or 0) + 1
  end
  check_ge("sessions (receiver indices) a -> b" .. tag, per_dir[net.underlay[1]] or 0, 2)
  check_ge("sessions (receiver indices) b -> a" .. tag, per_dir[net.underlay[2]] or 0, 2)
  return iv
end

function run(case)
  local net = wglab.pair { backends = { case.backend_a, case.backend_b } }
  local cap = wglab.capture(net.b, "veth0", { file = "rekey-underlay.pcap" })
  local sa = net.a:udp { bind = net.tunnel[1], port = 0 }
  local sb = net.b:udp { bind = net.tunnel[2], port = ECHO_PORT }
  check("first echo through the tunnel", echo(net, sa, sb, 0, 5))
  local t_first = wglab.now()
  local hs1_a, hs1_b = peer_state(net.wg[1]).last_handshake, peer_state(net.wg[2]).last_handshake

  local answered, lost = run_traffic(case, net, sa, sb)
  local w = cap:stop()

  local iv = check_rekey(w, net, "")
  if #iv > 0 then metric("rekey_interval", "s", iv) end
  check_eq("echoes lost", #lost, 0)
  -- Around each rekey (placed through the first handshake, within ms): echoes
  -- went through, none was lost.
  local hs_times = w.handshake_times_s or {}
  if #hs_times > 0 then metric("handshake_times_s", "s", hs_times) end -- the report's timeline
  for i = 2, #hs_times do
    local at = t_first + hs_times[i] - hs_times[1]
    local near, near_lost = 0, 0
    for _, t in ipairs(answered) do if math.abs(t - at) <= 5 then near = near + 1 end end
    for _, t in ipairs(lost) do if math.abs(t - at) <= 5 then near_lost = near_lost + 1 end end
    check_ge("echoes answered within 5 s of rekey " .. (i - 1), near, 1)
    check_eq("echoes lost within 5 s of rekey " .. (i - 1), near_lost, 0)
  end
  metric("echoes", "count", #answered)
  local pa, pb = peer_state(net.wg[1]), peer_state(net.wg[2])
  check("a reports a newer handshake", pa.last_handshake > hs1_a,
        string.format("%.3f -> %.3f", hs1_a, pa.last_handshake))
  check("b reports a newer handshake", pb.last_handshake > hs1_b,
        string.format("%.3f -> %.3f", hs1_b, pb.last_handshake))
  check("no plaintext on the underlay", w.leaks == 0, w.leak_example or "")

  -- Negative control: the first 60 s of the same capture hold no rekey.
  expect_fail("first 60 s of the capture: no rekey in it", function()
    check_rekey(wglab.analyze(w.path, { to = 60 }), net, " (first 60 s)")
  end)
end
