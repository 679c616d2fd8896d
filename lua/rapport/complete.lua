-- Insert-mode completion of #tags and @people in vault notes: an 'omnifunc'
-- (also usable as 'completefunc') that reads the helper's cached lists, so
-- it never waits on the helper.
local M = {}

local function cache(buf)
  local vault = vim.b[buf].rapport_vault
  local c = vault and require("rapport.client").cache[vault]
  return c or { tags = {}, people = {} }
end

function M.omnifunc(findstart, base)
  if findstart == 1 then
    local line = vim.api.nvim_get_current_line()
    local col = vim.api.nvim_win_get_cursor(0)[2]
    local start = col
    while start > 0 and line:sub(start, start):match("[%w_/%-%.\128-\255]") do
      start = start - 1
    end
    local sigil = line:sub(start, start)
    if start > 0 and (sigil == "#" or sigil == "@") then
      return start - 1 -- include the sigil in the completed word
    end
    return -3 -- cancel silently
  end
  local sigil, word = base:sub(1, 1), base:sub(2):lower()
  local c = cache(vim.api.nvim_get_current_buf())
  local list = sigil == "#" and c.tags or c.people
  local out = {}
  for _, name in ipairs(list or {}) do
    if name:sub(1, #word) == word then
      table.insert(out, { word = sigil .. name, menu = sigil == "#" and "[tag]" or "[person]" })
    end
  end
  return out
end

return M
