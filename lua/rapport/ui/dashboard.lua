-- The health dashboard: clients worst first, with trend sparkline, last
-- contact, open/overdue commitments and top signals. <CR> opens the client
-- note, p its prep brief, r refreshes, q closes.
local M = {}

local bars = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" }

function M.sparkline(trend)
  local out = {}
  for i, v in ipairs(trend or {}) do
    local k = math.max(1, math.min(8, math.floor(v / 100 * 7 + 0.5) + 1))
    out[i] = bars[k]
  end
  return table.concat(out)
end

local function row_line(r, width)
  local last = r.last_contact ~= vim.NIL and r.last_contact or "never"
  local days = r.days_since ~= vim.NIL and ("%dd"):format(r.days_since) or "-"
  local sig = {}
  for _, s in ipairs(r.signals or {}) do
    table.insert(sig, s.rule)
  end
  return ("%3d  %s  %-" .. width .. "s  %-10s %5s  %2d/%-2d  %s"):format(r.score, M.sparkline(r.trend), r.client,
    last, days, r.open_tasks, r.overdue_tasks, table.concat(sig, ", "))
end

function M.lines(rows, today)
  local width = 6
  for _, r in ipairs(rows) do
    width = math.max(width, #r.client)
  end
  local lines = {
    ("rapport health %s  —  <CR> open note  p prep  r refresh  q close"):format(today or ""),
    ("%3s  %-8s  %-" .. width .. "s  %-10s %5s  %-5s  %s"):format("scr", "trend", "client", "last", "ago",
      "open", "signals"),
  }
  for _, r in ipairs(rows) do
    table.insert(lines, row_line(r, width))
  end
  if #rows == 0 then
    table.insert(lines, "(no active clients: add client notes under clients/)")
  end
  return lines
end

local function client_at_cursor(buf)
  local rows = vim.b[buf].rapport_rows or {}
  local lnum = vim.api.nvim_win_get_cursor(0)[1]
  return rows[lnum - 2]
end

function M.open(rows, vault)
  local ui = require("rapport.ui")
  local buf = ui.scratch(M.lines(rows, os.date("%Y-%m-%d")), { name = "rapport://health" })
  vim.b[buf].rapport_rows = vim.tbl_map(function(r)
    return r.client
  end, rows)
  vim.b[buf].rapport_vault = vault
  vim.wo.cursorline = true
  vim.wo.wrap = false
  pcall(vim.api.nvim_win_set_cursor, 0, { math.min(3, #rows + 2), 0 })
  local function map(lhs, fn, desc)
    vim.keymap.set("n", lhs, fn, { buffer = buf, nowait = true, desc = "rapport: " .. desc })
  end
  map("<CR>", function()
    local client = client_at_cursor(buf)
    if not client then
      return
    end
    require("rapport.client").request(vault, "find", { query = "type:client client:" .. client }, function(err, res)
      if err or not res or #res == 0 then
        return vim.notify("rapport: " .. client .. " has no client note (create one with :Rapport new client)")
      end
      vim.cmd("close")
      ui.jump(vault .. "/" .. res[1].path, 1)
    end)
  end, "open the client note")
  map("p", function()
    local client = client_at_cursor(buf)
    if client then
      require("rapport").prep({ client = client })
    end
  end, "prep brief")
  map("r", function()
    require("rapport.client").request(vault, "health", {}, function(err, res)
      if err then
        return vim.notify(err, vim.log.levels.ERROR)
      end
      vim.bo[buf].modifiable = true
      vim.api.nvim_buf_set_lines(buf, 0, -1, false, M.lines(res, os.date("%Y-%m-%d")))
      vim.bo[buf].modifiable = false
      vim.b[buf].rapport_rows = vim.tbl_map(function(r)
        return r.client
      end, res)
    end)
  end, "refresh")
  return buf
end

return M
