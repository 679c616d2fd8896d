-- Edits to notes open in buffers (SPEC §4 "Open buffers"): the text and
-- changedtick of loaded vault buffers go to the helper with the request; the
-- edits it returns are applied as one undo step, only if the tick still
-- matches, and the buffer is left modified for the user to save.
local M = {}

local function buf_text(buf)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local text = table.concat(lines, "\n")
  if vim.bo[buf].eol or vim.bo[buf].fixeol then
    text = text .. "\n"
  end
  return text
end

-- Loaded buffers of `vault` (all, or only the one for `path`), as the
-- request's `texts` map {[abs path] = {text, tick}}.
function M.texts(vault, path)
  local texts = {}
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].buftype == "" then
      local name = vim.api.nvim_buf_get_name(buf)
      if name:sub(1, #vault + 1) == vault .. "/" and name:sub(-3) == ".md" and (not path or name == path) then
        texts[name] = { buf_text(buf), vim.api.nvim_buf_get_changedtick(buf) }
      end
    end
  end
  return next(texts) and texts or nil
end

local function bufnr_of(vault, rel)
  local b = vim.fn.bufnr(vault .. "/" .. rel)
  return b > 0 and b or nil
end

-- Applies the result's buffer_edits. Returns the number of buffers changed,
-- or nil and a message when a buffer changed meanwhile (the caller retries).
function M.apply(vault, buffer_edits)
  if not buffer_edits then
    return 0
  end
  -- Check every tick first: all or nothing.
  for _, be in ipairs(buffer_edits) do
    local buf = bufnr_of(vault, be.path)
    if not buf or vim.api.nvim_buf_get_changedtick(buf) ~= be.tick then
      return nil, "rapport: " .. be.path .. " changed while the edit was computed"
    end
  end
  for _, be in ipairs(buffer_edits) do
    local buf = bufnr_of(vault, be.path)
    local first = true
    for i = #be.edits, 1, -1 do
      local e = be.edits[i]
      if not first then
        pcall(vim.api.nvim_buf_call, buf, function()
          vim.cmd("silent! undojoin")
        end)
      end
      first = false
      vim.api.nvim_buf_set_text(buf, e.start_line, e.start_col, e.end_line, e.end_col,
        vim.split(e.text, "\n", { plain = true }))
    end
  end
  return #buffer_edits
end

-- Sends an editing request with the buffers' texts; applies the returned
-- buffer edits; retries once when a buffer changed meanwhile.
function M.request(vault, method, params, path, cb, tries)
  tries = tries or 2
  params.texts = M.texts(vault, path)
  require("rapport.client").request(vault, method, params, function(err, res, code)
    if err then
      return cb(err, nil, code)
    end
    local n, aerr = M.apply(vault, res.buffer_edits)
    if not n then
      if tries > 1 then
        return M.request(vault, method, params, path, cb, tries - 1)
      end
      return cb(aerr, nil, 4)
    end
    res.buffers_changed = n
    cb(nil, res)
  end)
end

return M
