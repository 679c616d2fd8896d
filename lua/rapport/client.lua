-- The helper processes: one per vault, started on demand, version-checked,
-- restarted with backoff when they die. Requests never block the UI: they go
-- out as `rapport.request` notifications and come back through on_reply
-- (SPEC §4); only `hello` at start is a synchronous rpcrequest.
local compat = require("rapport.compat")
local config = require("rapport.config")

local M = {}
local H = {}

M.PROTOCOL = 1
M.VERSION = "0.1.0"

H.helpers = {} -- vault -> helper
H.callbacks = {} -- request id -> { cb, vault, method }
H.next_id = 0
H.log = {} -- recent log lines (see :Rapport log)
H.max_log = 2000
H.notified = {} -- messages already shown once

function M.log(level, msg)
  local line = os.date("%H:%M:%S ") .. level .. " " .. msg
  table.insert(H.log, line)
  if #H.log > H.max_log then
    table.remove(H.log, 1)
  end
end

function M.log_lines()
  return H.log
end

-- Shows an error once per distinct message (the log has them all).
function M.notify_once(msg, level)
  M.log("ERROR", msg)
  if H.notified[msg] then
    return
  end
  H.notified[msg] = true
  vim.schedule(function()
    vim.notify(msg, level or vim.log.levels.ERROR)
  end)
end

-- Where the helper binary is: $RAPPORT_BIN (a development build, e.g. the
-- sanitizer one), the `binary` option, the plugin's bin/, $PATH.
function M.binary()
  local src = debug.getinfo(1, "S").source:sub(2)
  local root = vim.fn.fnamemodify(src, ":p:h:h:h")
  local candidates = {}
  local env = os.getenv("RAPPORT_BIN")
  if env and env ~= "" then
    table.insert(candidates, env)
  end
  if config.options.binary then
    table.insert(candidates, vim.fn.expand(config.options.binary))
  end
  table.insert(candidates, root .. "/bin/rapport")
  for _, c in ipairs(candidates) do
    if vim.fn.executable(c) == 1 then
      return c
    end
  end
  local p = vim.fn.exepath("rapport")
  if p ~= "" then
    return p
  end
  return nil, "rapport: helper binary not found; run `make` in the plugin directory"
    .. " (lazy.nvim: build = \"make\") or set the `binary` option"
end

local function backoff(h)
  -- 0 s for the first restart, then 1, 2, 4 ... 30 s while it keeps dying.
  if h.failures <= 1 then
    return 0
  end
  return math.min(30, 2 ^ (h.failures - 2))
end

local function fail_pending(vault, msg)
  for id, cb in pairs(H.callbacks) do
    if cb.vault == vault then
      H.callbacks[id] = nil
      pcall(cb.cb, msg, nil, 5)
    end
  end
end

local function start(vault)
  local bin, err = M.binary()
  if not bin then
    return nil, err
  end
  local h = H.helpers[vault] or { vault = vault, failures = 0 }
  H.helpers[vault] = h
  if h.dead_at and compat.uv.now() - h.dead_at < backoff(h) * 1000 then
    return nil, ("rapport: the helper died; restarting in %.0f s (see :Rapport log)"):format(
      backoff(h) - (compat.uv.now() - h.dead_at) / 1000
    )
  end
  local chan
  local ok, res = pcall(vim.fn.jobstart, { bin, "rpc", "--vault", vault }, {
    rpc = true,
    on_stderr = function(_, data)
      for _, l in ipairs(data or {}) do
        if l ~= "" then
          M.log("helper", l)
        end
      end
    end,
    on_exit = function(_, code)
      if h.chan ~= chan then
        return
      end
      h.chan = nil
      h.dead_at = compat.uv.now()
      if not h.stopping then
        h.failures = h.failures + 1
        M.log("ERROR", ("helper for %s exited with code %d"):format(vault, code))
        M.notify_once(("rapport: the helper exited (code %d); it restarts on the next command."
          .. " :Rapport log has details"):format(code))
      end
      fail_pending(vault, "rapport: the helper exited before answering")
    end,
  })
  if not ok or res <= 0 then
    return nil, "rapport: cannot start " .. bin .. ": " .. tostring(res)
  end
  chan = res
  local hok, hello = pcall(vim.rpcrequest, chan, "rapport.hello", vim.empty_dict())
  if not hok or type(hello) ~= "table" then
    pcall(vim.fn.jobstop, chan)
    return nil, "rapport: the helper did not answer hello: " .. tostring(hello)
  end
  if hello.protocol ~= M.PROTOCOL then
    pcall(vim.fn.jobstop, chan)
    return nil, ("rapport: helper protocol %s, plugin expects %d; rebuild with `make`"):format(
      tostring(hello.protocol), M.PROTOCOL)
  end
  h.chan = chan
  h.version = hello.version
  h.pid = vim.fn.jobpid(chan)
  h.started = os.time()
  h.stopping = false
  h.dead_at = nil
  M.log("INFO", ("helper %s pid %d for %s"):format(h.version, h.pid, vault))
  M.request(vault, "configure", config.helper_settings(), function(e)
    if e then
      M.log("ERROR", "configure: " .. e)
    end
  end)
  -- A helper that stayed up a while resets the backoff.
  vim.defer_fn(function()
    if h.chan == chan then
      h.failures = 0
    end
  end, 10000)
  return h
end

-- The running helper of `vault`, started when needed.
function M.get(vault)
  local h = H.helpers[vault]
  if h and h.chan then
    return h
  end
  return start(vault)
end

function M.helper(vault)
  return H.helpers[vault]
end

function M.helpers()
  return H.helpers
end

-- Sends `rapport.<method>` with `params`; cb(err, result, code) later.
function M.request(vault, method, params, cb)
  local h, err = M.get(vault)
  if not h then
    if cb then
      cb(err, nil, 5)
    end
    return nil, err
  end
  H.next_id = H.next_id + 1
  local id = H.next_id
  H.callbacks[id] = { cb = cb, vault = vault, method = method }
  if params == nil or (type(params) == "table" and next(params) == nil) then
    params = vim.empty_dict()
  end
  local ok, e = pcall(vim.rpcnotify, h.chan, "rapport.request", id, "rapport." .. method, params)
  if not ok then
    H.callbacks[id] = nil
    if cb then
      cb("rapport: " .. tostring(e), nil, 5)
    end
    return nil, e
  end
  return id
end

-- Synchronous request for tests and benchmarks (blocks: never from the UI).
function M.request_sync(vault, method, params)
  local h, err = M.get(vault)
  if not h then
    error(err, 0)
  end
  return vim.rpcrequest(h.chan, "rapport." .. method, params or vim.empty_dict())
end

-- Called by the helper (nvim_exec_lua notification).
function M.on_reply(id, err, result)
  local cb = H.callbacks[id]
  H.callbacks[id] = nil
  if not cb then
    return
  end
  local msg, code = nil, nil
  if type(err) == "table" then
    code = err[1]
    msg = "rapport: " .. tostring(err[2])
  elseif err ~= nil and err ~= vim.NIL then
    msg = "rapport: " .. tostring(err)
  end
  if result == vim.NIL then
    result = nil
  end
  if cb.cb then
    local ok, e = xpcall(cb.cb, debug.traceback, msg, result, code)
    if not ok then
      M.log("ERROR", ("callback of %s failed: %s"):format(cb.method, e))
      M.notify_once("rapport: internal error in " .. cb.method .. " (see :Rapport log)")
    end
  end
end

-- Progress of long work (id 0: the helper's own indexing). Shown in the
-- command line only for long runs, and cleared at the end.
function M.on_progress(id, p)
  if M.progress_handler then
    return M.progress_handler(id, p)
  end
  if p.total < 2000 then
    return
  end
  local msg = p.done >= p.total and "" or ("rapport: %s %d/%d"):format(p.what or "working", p.done, p.total)
  vim.api.nvim_echo({ { msg } }, false, {})
end

-- Completion cache pushed by the helper after each index change:
-- cache[vault] = { tags = {..}, people = {..}, clients = {..} }.
M.cache = {}
function M.on_cache(vault, cache)
  M.cache[vault] = cache
end

function M.on_helper_error(msg)
  M.notify_once("rapport: the helper received a bad message and stopped: " .. tostring(msg))
end

function M.stop(vault)
  local h = H.helpers[vault]
  if h and h.chan then
    h.stopping = true
    pcall(vim.fn.jobstop, h.chan)
  end
end

function M.stop_all()
  for vault in pairs(H.helpers) do
    M.stop(vault)
  end
end

return M
