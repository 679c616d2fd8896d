-- require("rapport").statusline(): a short string from caches only (hint
-- counts of the current note, the current client's health score), so it is
-- cheap on every redraw. The score cache refreshes in the background.
local M = {}
local H = { scores = {}, asked = {} }

local uv = vim.uv or vim.loop

local function refresh_score(vault, client)
  local k = vault .. "\0" .. client
  require("rapport.client").request(vault, "health", { client = client }, function(err, res)
    if not err and res and res[1] then
      H.scores[k] = res[1].score
    end
  end)
end

function M.invalidate()
  H.asked = {}
end

function M.get()
  local buf = vim.api.nvim_get_current_buf()
  local vault = vim.b[buf].rapport_vault
  if not vault then
    return ""
  end
  local parts = {}
  local counts = require("rapport.hints").counts(buf)
  if counts then
    local S = vim.diagnostic.severity
    for _, s in ipairs({ { S.ERROR, "E" }, { S.WARN, "W" }, { S.INFO, "I" }, { S.HINT, "H" } }) do
      if (counts[s[1]] or 0) > 0 then
        table.insert(parts, s[2] .. counts[s[1]])
      end
    end
  end
  local client = vim.b[buf].rapport_client
  if client then
    local k = vault .. "\0" .. client
    local score = H.scores[k]
    local now = uv.now()
    if not H.asked[k] or now - H.asked[k] > 60000 then
      H.asked[k] = now
      vim.schedule(function()
        refresh_score(vault, client)
      end)
    end
    if score then
      table.insert(parts, client .. " " .. score)
    end
  end
  return #parts > 0 and ("rapport " .. table.concat(parts, " ")) or ""
end

return M
