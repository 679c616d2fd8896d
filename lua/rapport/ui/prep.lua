-- The call-prep brief in a split: the helper's markdown, folded by section;
-- <CR> on any item jumps to its source line (every item ends in path:line).
local M = {}

-- The `path:line` reference on a line of the brief, if any.
function M.ref(line)
  local path, lnum = line:match("([^%s%(%)`]+%.md):(%d+)")
  if path then
    return path, tonumber(lnum)
  end
end

function M.open(res, vault)
  local ui = require("rapport.ui")
  local lines = vim.split(res.markdown or "", "\n", { plain = true })
  if lines[#lines] == "" then
    table.remove(lines)
  end
  local buf = ui.scratch(lines, { name = "rapport://prep/" .. res.client, vertical = true })
  vim.bo[buf].filetype = "markdown"
  vim.wo.foldmethod = "expr"
  vim.wo.foldexpr = "getline(v:lnum)=~'^## '?'>1':'='"
  vim.wo.foldlevel = 1
  vim.wo.wrap = true
  vim.wo.linebreak = true
  vim.keymap.set("n", "<CR>", function()
    local path, lnum = M.ref(vim.api.nvim_get_current_line())
    if not path then
      return
    end
    vim.cmd("wincmd p")
    ui.jump(vault .. "/" .. path, lnum)
  end, { buffer = buf, desc = "rapport: jump to the source line" })
  return buf
end

return M
