-- The few fallbacks Neovim 0.7.2 needs, in one place (see STYLE.md).
local M = {}

M.uv = vim.uv or vim.loop

M.islist = vim.islist or vim.tbl_islist

function M.state_dir()
  local ok, dir = pcall(vim.fn.stdpath, "state")
  if ok and type(dir) == "string" then
    return dir
  end
  local xdg = os.getenv("XDG_STATE_HOME")
  if xdg and xdg:sub(1, 1) == "/" then
    return xdg .. "/nvim"
  end
  return vim.fn.stdpath("cache")
end

-- :checkhealth reporters: vim.health on 0.10, require("health") on 0.7.
function M.health()
  local h = vim.health
  if h and h.start then
    return { start = h.start, ok = h.ok, warn = h.warn, error = h.error, info = h.info }
  end
  local old = require("health")
  return {
    start = old.report_start,
    ok = old.report_ok,
    warn = old.report_warn,
    error = old.report_error,
    info = old.report_info,
  }
end

-- Float window options: `title` only where supported.
function M.float_opts(opts, title)
  if title and vim.fn.has("nvim-0.9") == 1 then
    opts.title = " " .. title .. " "
    opts.title_pos = "center"
  end
  return opts
end

function M.exec(src)
  if vim.api.nvim_exec2 then
    return vim.api.nvim_exec2(src, { output = true }).output
  end
  return vim.api.nvim_exec(src, true)
end

return M
