-- Queries over rpc from a watching helper (no freshness walk: the watcher
-- keeps the index fresh), and the helper's resident memory. Baseline in the
-- same run: the hello round trip (the floor of any request).
local vault, db = os.getenv("VAULT"), os.getenv("DB")
local N = tonumber(os.getenv("N") or "200")
local out = io.stdout
local lib = dofile(os.getenv("RAPPORT_ROOT") .. "/bench/lib.lua")
local pct = lib.pct

local req, chan = lib.helper(vault, db)
req("index")
local function bench(name, m, p)
  local t, res = lib.times(N, function()
    return req(m, p)
  end)
  out:write(("  %-40s p50 %7.3f ms  p95 %7.3f ms  (%d results)\n"):format(name, pct(t, 0.5) / 1e6,
    pct(t, 0.95) / 1e6, type(res) == "table" and #res or 0))
end
bench("hello (baseline)", "hello")
bench("tags", "tags")
bench("find risk client:acme-logistics OR topic/pricing", "find", { query = "risk AND client:acme-logistics OR topic/pricing" })
bench("find 3 terms (renewal, -risk, type:meeting)", "find", { query = "renewal -risk type:meeting" })
bench("search \"pricing\"", "search", { text = "pricing renewal", limit = 50 })
local pid = vim.fn.jobpid(chan)
local status = io.open("/proc/" .. pid .. "/status"):read("*a")
out:write(("  helper RSS after indexing: %s\n"):format(status:match("VmRSS:%s*(%d+ kB)")))
out:write(("  helper peak RSS (VmHWM): %s\n"):format(status:match("VmHWM:%s*(%d+ kB)")))
vim.fn.jobstop(chan)
vim.cmd("qall!")
