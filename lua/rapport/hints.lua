-- Engagement-health hints as vim.diagnostic items, updated as you type.
-- Changes are debounced; one request per buffer is in flight at a time and
-- a reply for an older text is dropped. Only the lines that changed since
-- the last request travel: the helper keeps a mirror of the buffer (the
-- whole text goes on attach and whenever the mirror is out of step).
-- Diagnostics are set only when they changed, at most max_hints per buffer,
-- in namespace "rapport".
local M = {}
local H = { bufs = {} }

local uv = vim.uv or vim.loop

M.ns = vim.api.nvim_create_namespace("rapport")

local severity = {
  error = vim.diagnostic.severity.ERROR,
  warn = vim.diagnostic.severity.WARN,
  info = vim.diagnostic.severity.INFO,
  hint = vim.diagnostic.severity.HINT,
}

local function opts()
  return require("rapport.config").options.hints
end

function M.enabled()
  return opts().enabled and not H.off
end

local function to_diagnostics(res, max)
  local out = {}
  for i, h in ipairs(res) do
    if i > max then
      break
    end
    out[i] = {
      lnum = h.line - 1,
      col = h.col,
      end_lnum = h.end_line - 1,
      end_col = h.end_col,
      severity = severity[h.severity] or vim.diagnostic.severity.INFO,
      message = h.message,
      source = "rapport",
      code = h.rule,
    }
  end
  return out
end

local function key(diags)
  local parts = {}
  for i, d in ipairs(diags) do
    parts[i] = table.concat({ d.lnum, d.col, d.end_lnum, d.end_col, d.severity, d.code, d.message }, "\1")
  end
  return table.concat(parts, "\2")
end

local function set(buf, st, diags)
  local k = key(diags)
  if k == st.key then
    return
  end
  st.key = k
  st.counts = {}
  for _, d in ipairs(diags) do
    st.counts[d.severity] = (st.counts[d.severity] or 0) + 1
  end
  vim.diagnostic.set(M.ns, buf, diags)
  if M.on_set then
    M.on_set(buf, diags)
  end
end

-- Records a change (on_lines): the lines [0, head) and the last `tail`
-- lines are still as the helper last saw them.
local function track(st, buf, first, last, new_last)
  local count = vim.api.nvim_buf_line_count(buf)
  local before = count - (new_last - last)
  st.head = math.min(st.head or first, first)
  st.tail = math.min(st.tail or (before - last), before - last)
end

-- The request for the buffer's current text: a line delta when the helper
-- has a mirror, else the whole text.
local function params(st, buf)
  local path = vim.api.nvim_buf_get_name(buf)
  local count = vim.api.nvim_buf_line_count(buf)
  if st.synced and st.mirror_count then
    local head = st.head or count
    local tail = st.tail or 0
    tail = math.max(0, math.min(tail, st.mirror_count - head, count - head))
    head = math.min(head, st.mirror_count, count)
    return { path = path, first = head, last = st.mirror_count - tail, count = count,
      lines = vim.api.nvim_buf_get_lines(buf, head, count - tail, false) }, count
  end
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  return { path = path, text = table.concat(lines, "\n") .. "\n" }, count
end

-- Sends the buffer's changes now (or after the request in flight).
function M.refresh(buf)
  local st = H.bufs[buf]
  if not st or not vim.api.nvim_buf_is_valid(buf) or not M.enabled() then
    return
  end
  if st.inflight then
    st.dirty = true
    return
  end
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local p, count = params(st, buf)
  -- From here on, changes are relative to the text being sent.
  st.head, st.tail, st.mirror_count = nil, nil, count
  st.inflight = true
  st.dirty = false
  st.sent = uv.hrtime()
  require("rapport.client").request(st.vault, "hints", p,
    function(err, res, code)
      st.inflight = false
      if not vim.api.nvim_buf_is_valid(buf) or not H.bufs[buf] then
        return
      end
      if err then
        -- Out of step (or the helper restarted): the whole text next time.
        st.synced = false
        if code == 4 then
          M.schedule(buf)
        else
          require("rapport.client").log("ERROR", "hints: " .. err)
        end
        return
      end
      st.synced = true
      if vim.api.nvim_buf_get_changedtick(buf) == tick and M.enabled() then
        set(buf, st, to_diagnostics(res, opts().max_hints))
        st.latency = (uv.hrtime() - st.sent) / 1e6
      end
      if st.dirty or vim.api.nvim_buf_get_changedtick(buf) ~= tick then
        M.schedule(buf)
      end
    end)
end

function M.schedule(buf)
  local st = H.bufs[buf]
  if not st or not M.enabled() then
    return
  end
  st.timer:stop()
  st.timer:start(opts().debounce, 0, function()
    vim.schedule(function()
      M.refresh(buf)
    end)
  end)
end

function M.attach(buf, vault)
  if H.bufs[buf] then
    return
  end
  H.bufs[buf] = { vault = vault, timer = uv.new_timer(), counts = {} }
  vim.api.nvim_buf_attach(buf, false, {
    on_lines = function(_, _, _, first, last, new_last)
      local st = H.bufs[buf]
      if not st then
        return true -- detach
      end
      track(st, buf, first, last, new_last)
      M.schedule(buf)
    end,
    on_reload = function()
      local st = H.bufs[buf]
      if st then
        st.synced = false
      end
      M.schedule(buf)
    end,
    on_detach = function()
      M.detach(buf)
    end,
  })
  M.refresh(buf)
end

function M.detach(buf)
  local st = H.bufs[buf]
  if not st then
    return
  end
  H.bufs[buf] = nil
  st.timer:stop()
  st.timer:close()
  pcall(vim.diagnostic.reset, M.ns, buf)
  if st.synced then
    require("rapport.client").request(st.vault, "hints_detach", { path = vim.api.nvim_buf_get_name(buf) })
  end
end

-- Hint counts of a buffer by severity (cached: no request).
function M.counts(buf)
  local st = H.bufs[buf]
  return st and st.counts or nil
end

function M.latency(buf)
  local st = H.bufs[buf]
  return st and st.latency
end

function M.set_enabled(on)
  H.off = not on
  for buf, st in pairs(H.bufs) do
    if on then
      st.synced = false
      M.refresh(buf)
    else
      st.key = nil
      st.counts = {}
      pcall(vim.diagnostic.reset, M.ns, buf)
    end
  end
  return on
end

function M.toggle()
  return M.set_enabled(not M.enabled())
end

return M
