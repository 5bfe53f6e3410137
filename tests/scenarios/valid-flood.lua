-- p:flood{kind = "valid"} from a scenario: initiations from client keys the
-- responder knows are each answered with a response, the responder learns
-- every client's endpoint; the same flood from keys it does not know gets no
-- answer (negative control). Runs inside `wglab run`, where the flood's
-- threads are made after the reaper's PID namespace is in place.

scenario {
  name = "valid-flood",
  description = "fully valid initiation flood through the Lua binding",
  topology = "pair",
  families = { "ipv4" },
  params = { clients = { default = 8, min = 2, max = 64 } },
}

local function flood_and_count(net, privs, timeout)
  local s = net.a:udp { bind = net.underlay[1] }
  local p = wglab.probe { socket = s, peer_public_key = net.public_key[2],
                          peer_endpoint = net.underlay[2] .. ":51820" }
  local r = p:flood { kind = "valid", clients = privs, count = #privs, threads = 2 }
  check_eq("all initiations sent", r.sent, #privs)
  local answers = 0
  while answers < #privs do
    local kind = p:recv { timeout = timeout }
    if kind == "none" then break end
    answers = answers + 1
  end
  check_eq("one answer per client", answers, #privs)
end

local function keys(n)
  local privs, peers = {}, {}
  for i = 1, n do
    local priv, pub = wglab.genkey()
    privs[i], peers[i] = priv, { public_key = pub }
  end
  return privs, peers
end

function run(case)
  local net = wglab.pair { backends = { case.backend_a, case.backend_b } }
  local privs, peers = keys(case.clients)
  net.wg[2]:set { peers = peers }
  local t0 = wglab.now()
  flood_and_count(net, privs, 5)
  local took = wglab.now() - t0
  local learned = 0
  for _, pe in ipairs(net.wg[2]:get().peers) do
    if pe.endpoint and pe.endpoint ~= "" then learned = learned + 1 end
  end
  check_eq("the responder learned every client's endpoint (and a's)", learned, case.clients + 1)
  expect_fail("clients the responder does not know", function()
    flood_and_count(net, (keys(case.clients)), math.max(0.2, 20 * took))
  end)
end
