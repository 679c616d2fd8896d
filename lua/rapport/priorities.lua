-- Priority caps in the buffer: a quiet marker on the cap line and the items
-- past the cap highlighted; in `strict` mode, saving an over-cap list asks
-- whether to park the overflow.
local M = {}

M.ns = vim.api.nvim_create_namespace("rapport_priorities")

local function buf_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
end

-- Asks the helper for this buffer's Priorities list and marks it.
function M.decorate(buf, vault, after)
  local path = vim.api.nvim_buf_get_name(buf)
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  require("rapport.client").request(vault, "priorities", { path = path, text = buf_text(buf) }, function(err, res)
    if err or not vim.api.nvim_buf_is_valid(buf) or vim.api.nvim_buf_get_changedtick(buf) ~= tick then
      return
    end
    vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
    local row = res[1]
    if not row or not row.items then
      return after and after(nil)
    end
    for i, it in ipairs(row.items) do
      if i == row.cap and row.over then
        vim.api.nvim_buf_set_extmark(buf, M.ns, it.end_line - 1, 0, {
          virt_text = { { ("── cap %d: the items below go to the Parking lot with :Rapport cap"):format(row.cap),
            "RapportCapMarker" } },
          virt_text_pos = "eol",
        })
      elseif i > row.cap then
        vim.api.nvim_buf_set_extmark(buf, M.ns, it.line - 1, 0, {
          end_row = it.end_line,
          hl_group = "RapportOverCap",
          hl_eol = false,
        })
      end
    end
    if after then
      after(row)
    end
  end)
end

function M.on_save(buf, vault)
  M.decorate(buf, vault, function(row)
    if not row or not row.over or not require("rapport.config").options.strict then
      return
    end
    vim.ui.select({ "Park the overflow in the Parking lot", "Keep the list as it is" }, {
      prompt = ("rapport: %d priorities, cap %d. Rank them with the client, then:"):format(row.count, row.cap),
    }, function(_, idx)
      if idx == 1 then
        vim.api.nvim_buf_call(buf, function()
          require("rapport.commands").call(require("rapport.commands").by_api("cap"), {})
        end)
      end
    end)
  end)
end

return M
