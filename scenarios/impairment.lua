-- impairment: what node:impair() was asked for against what the wire shows.
--
--   [client]--eth--[r: eth0 | eth1 out: impair{...}]--eth--[server]
--    captures: r/eth0 (before the impaired link), server/eth0 (after it)
--
-- One impairment at a time (loss, duplication, delay with jitter, reorder)
-- on the router's link toward the server; a stream of tunnel datagrams
-- crosses it. Each transport packet is matched on both captures by its
-- session and counter: missing after the link is lost, seen twice is
-- duplicated, its two capture times give the delay, arriving below the
-- newest counter is reordered. netem runs where the kernel has it, else the
-- NFQUEUE middlebox; the case records which one.

scenario {
  name = "impairment",
  description = "impairment asked vs measured on the wire: loss, duplication, delay, reorder",
  topology = "pair",
  families = { "ipv4" },
  params = {
    count = { default = 2000, min = 100, max = 100000 }, -- datagrams per impairment
    loss = { default = 5, min = 0.1, max = 49, type = "number" },  -- %
    dup = { default = 5, min = 0.1, max = 49, type = "number" },   -- %
    delay = { default = 0.02, min = 0.001, max = 1 },    -- s
    jitter = { default = 0.005, min = 0, max = 1 },      -- s
    every = { default = 20, min = 2, max = 10000 },      -- reorder: every Nth packet ...
    after = { default = 3, min = 1, max = 1000 },        -- ... held for that many later ones
  },
  timeout = 120,
}

local PORT = 9000

local function build(case)
  local t = wglab.topology { nodes = { "client", "server" }, routers = { "r" },
                             links = { { "client", "r" }, { "r", "server" } } }
  local net = wglab.tunnel { topology = t, a = "client", b = "server", outer = case.family,
                             inner = case.family, backends = { case.backend_a, case.backend_b } }
  return t, net
end

-- The client's transport packets of a capture: key "receiver:counter" -> times seen, first time.
local function transports(path, src)
  local seen, order = {}, {}
  for _, m in ipairs(wglab.wg_messages(path, { type = 4 })) do
    if m.src == src then
      local k = m.receiver .. ":" .. m.counter
      local s = seen[k]
      if s then s.n = s.n + 1 else seen[k] = { n = 1, time = m.time } end
      order[#order + 1] = m
    end
  end
  return seen, order
end

-- Loss, duplication, delays and reordering between the two captures.
local function measure(before_path, after_path, src)
  local b, _ = transports(before_path, src)
  local a, order = transports(after_path, src)
  local m = { sent = 0, arrived = 0, copies = 0, reordered = 0, delays = {} }
  for k, x in pairs(b) do
    m.sent = m.sent + 1
    local y = a[k]
    if y then
      m.arrived = m.arrived + 1
      m.copies = m.copies + y.n - 1
      m.delays[#m.delays + 1] = (y.time - x.time) * 1000
    end
  end
  local top = {}
  for _, x in ipairs(order) do
    local t = top[x.receiver]
    if t and x.counter < t then m.reordered = m.reordered + 1 end
    if not t or x.counter > t then top[x.receiver] = x.counter end
  end
  m.loss_pct = m.sent > 0 and 100 * (m.sent - m.arrived) / m.sent or nil
  m.dup_pct = m.arrived > 0 and 100 * m.copies / m.arrived or nil
  m.reorder_pct = m.arrived > 0 and 100 * m.reordered / m.arrived or nil
  return m
end

-- One impairment: the stream through it, measured. Returns the measurement and the stats.
local function through(t, net, case, spec, tag)
  local before = wglab.capture(t.r, "eth0", { file = "r-eth0-" .. tag .. ".pcap", snaplen = 256 })
  local after = wglab.capture(t.server, "eth0", { file = "server-eth0-" .. tag .. ".pcap", snaplen = 256 })
  local imp = t.r:impair("eth1", spec)
  local sock = net.a:udp { bind = net.tunnel[1] }
  local payload = string.rep("i", 32)
  for i = 1, case.count do
    sock:send(net.tunnel[2], PORT, payload)
    if i % 50 == 0 then wglab.sleep(0.01) end
  end
  wglab.sleep(0.5 + 2 * (spec.delay or 0) + 2 * (spec.jitter or 0))
  local st = imp:stats()
  imp:stop()
  sock:close()
  wglab.sleep(0.2)
  local wb, wa = before:stop(), after:stop()
  local m = measure(wb.path, wa.path, net.underlay[1])
  m.via = imp.via
  log(string.format("%s via %s: %d transports before the link, %d arrived (%d copies, %d reordered)%s",
                    tag, m.via, m.sent, m.arrived, m.copies, m.reordered,
                    st.seen and string.format("; middlebox saw %d, dropped %d, duplicated %d, held %d",
                                              st.seen, st.dropped, st.duplicated, st.reordered) or ""))
  return m, st
end

-- A measured rate against the asked one: within 5 standard deviations of a
-- binomial draw over n packets (the middlebox's and netem's draws are random).
local function check_rate(what, asked, measured, n)
  local p = asked / 100
  local sd = 100 * math.sqrt(p * (1 - p) / math.max(n, 1))
  check(what .. " measured on the wire near the asked " .. asked .. " %",
        measured ~= nil and math.abs(measured - asked) <= 5 * sd + 100 / math.max(n, 1),
        string.format("%s %% over %d packets (5 sd = %.2f %%)", tostring(measured), n, 5 * sd))
end

local function report(kind, unit, asked, measured)
  metric("impair_" .. kind .. "_asked", unit, asked)
  if measured then metric("impair_" .. kind .. "_measured", unit, measured) end
end

local function loss_and_dup(t, net, case)
  local m = through(t, net, case, { loss = case.loss }, "loss")
  check_rate("loss", case.loss, m.loss_pct, m.sent)
  report("loss", "%", case.loss, m.loss_pct)
  local d = through(t, net, case, { dup = case.dup }, "dup")
  check_rate("duplication", case.dup, d.dup_pct, d.arrived)
  check_eq("duplication loses nothing", d.arrived, d.sent)
  report("dup", "%", case.dup, d.dup_pct)
end

local function delay(t, net, case)
  local m = through(t, net, case, { delay = case.delay, jitter = case.jitter }, "delay")
  local med, sum = wglab.stats.median(m.delays), wglab.stats.summary(m.delays)
  check("every packet delayed at least delay - jitter",
        #m.delays > 0 and sum.min >= (case.delay - case.jitter) * 1000 * 0.99,
        string.format("min %s ms, median %s ms for %g +- %g ms", tostring(sum.min),
                      tostring(med), case.delay * 1000, case.jitter * 1000))
  report("delay", "ms", case.delay * 1000, med)
  metric("impair_delay_measured_all", "ms", m.delays)
end

local function reorder(t, net, case)
  local m, st = through(t, net, case, { reorder = { every = case.every, after = case.after } },
                        "reorder")
  -- Held packets that something overtook: all but one held last.
  local held = st.reordered or 0
  check("packets were held", held > 0, tostring(held))
  check_eq("every held packet arrives reordered", m.reordered,
           held - ((st.seen or 0) % case.every == 0 and 1 or 0))
  report("reorder", "%", 100 / case.every, m.reorder_pct)
end

function run(case)
  local t, net = build(case)
  check("tunnel up through the router", (net.a:ping(net.tunnel[2], { timeout = 10, interval = 0.1 })))
  loss_and_dup(t, net, case)
  delay(t, net, case)
  reorder(t, net, case)
  expect_fail("an unimpaired link does not pass for a lossy one", function()
    local m = through(t, net, case, {}, "control")
    check_rate("loss", case.loss, m.loss_pct, m.sent)
  end)
end
