-- Quick capture during a meeting: a small float; each <CR> saves the line as
-- `- HH:MM text` in today's meeting note for the client, durable before it
-- shows as saved. A task typed as `[] text @owner due:...` goes under Next
-- steps. If saving fails the text stays in the float with the reason.
local M = {}
local H = {}

M.ns = vim.api.nvim_create_namespace("rapport_capture")

local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO)
end

-- Modified vault buffers: captures into them go through the buffer.
local function modified_texts(vault)
  local texts = {}
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].modified and vim.bo[buf].buftype == "" then
      local name = vim.api.nvim_buf_get_name(buf)
      if name:sub(1, #vault + 1) == vault .. "/" then
        local all = require("rapport.edits").texts(vault, name)
        if all then
          texts[name] = all[name]
        end
      end
    end
  end
  return next(texts) and texts or nil
end

-- Writes a buffer now, durably, without the user's autocommands.
local function write_durably(buf)
  vim.api.nvim_buf_call(buf, function()
    local fsync = vim.o.fsync
    vim.o.fsync = true
    local ok, err = pcall(vim.cmd, "silent noautocmd write")
    vim.o.fsync = fsync
    if not ok then
      error(err, 0)
    end
  end)
end

-- Saves one line; on_done(err, {path, line}) once it is on disk.
function M.save(vault, client, text, on_done)
  local params = { client = client, text = text, texts = modified_texts(vault) }
  require("rapport.client").request(vault, "capture", params, function(err, res, code)
    if err then
      return on_done(err, nil, code)
    end
    local path = vault .. "/" .. res.path
    local buf = vim.fn.bufnr(path)
    if res.buffer_edits then
      -- The note is open with unsaved changes: add the line there and save
      -- the buffer (this also saves the user's other edits in that note).
      local n, aerr = require("rapport.edits").apply(vault, res.buffer_edits)
      if not n then
        return M.save(vault, client, text, on_done) -- changed meanwhile: again
      end
      local ok, werr = pcall(write_durably, buf)
      if not ok then
        return on_done("rapport: could not save " .. res.path .. ": " .. tostring(werr or aerr), nil, 5)
      end
    elseif buf > 0 and vim.api.nvim_buf_is_loaded(buf) and not vim.bo[buf].modified then
      -- The helper wrote the file: reload the unmodified buffer quietly.
      vim.api.nvim_buf_call(buf, function()
        local view = vim.fn.winsaveview()
        vim.cmd("silent! edit")
        vim.fn.winrestview(view)
      end)
    end
    on_done(nil, res)
  end)
end

local function show(st, msg, hl)
  if not vim.api.nvim_buf_is_valid(st.buf) then
    return
  end
  vim.api.nvim_buf_clear_namespace(st.buf, M.ns, 0, -1)
  local last = vim.api.nvim_buf_line_count(st.buf) - 1
  vim.api.nvim_buf_set_extmark(st.buf, M.ns, last, 0, { virt_text = { { msg, hl } }, virt_text_pos = "eol" })
end

function H.submit(st)
  local lnum = vim.api.nvim_buf_line_count(st.buf)
  local text = vim.trim(vim.api.nvim_buf_get_lines(st.buf, lnum - 1, lnum, false)[1] or "")
  if text == "" then
    return
  end
  show(st, "  saving…", "Comment")
  M.save(st.vault, st.client, text, function(err, res)
    if not vim.api.nvim_buf_is_valid(st.buf) then
      if err then
        notify(err .. " — your text: " .. text, vim.log.levels.ERROR)
      end
      return
    end
    if err then
      -- Keep the text where it is; say why and what to do.
      show(st, "  " .. err:gsub("^rapport: ", "") .. " (press <CR> to retry)", "ErrorMsg")
      return
    end
    st.path = res.path
    local done = ("%s  ✓ %s"):format(os.date("%H:%M"), text)
    vim.api.nvim_buf_set_lines(st.buf, lnum - 1, lnum, false, { done, "" })
    vim.api.nvim_buf_clear_namespace(st.buf, M.ns, 0, -1)
    show(st, "  saved to " .. res.path .. ":" .. res.line, "Comment")
    local win = vim.fn.bufwinid(st.buf)
    if win ~= -1 then
      vim.api.nvim_win_set_cursor(win, { lnum + 1, 0 })
    end
  end)
end

-- :Rapport capture [client]
function M.open(vault, client)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].filetype = "markdown"
  vim.b[buf].rapport_vault = vault
  vim.bo[buf].omnifunc = "v:lua.require'rapport.complete'.omnifunc"
  vim.bo[buf].completefunc = "v:lua.require'rapport.complete'.omnifunc"
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "" })
  local width = math.min(90, math.max(40, vim.o.columns - 10))
  local height = 8
  local opts = require("rapport.compat").float_opts({
    relative = "editor",
    width = width,
    height = height,
    row = vim.o.lines - height - 4,
    col = math.floor((vim.o.columns - width) / 2),
    style = "minimal",
    border = "rounded",
  }, "capture: " .. client .. " — <CR> saves a line, [] text makes a task, <Esc><Esc> closes")
  local win = vim.api.nvim_open_win(buf, true, opts)
  vim.wo[win].wrap = true
  local st = { buf = buf, vault = vault, client = client }
  local function map(modes, lhs, fn, desc)
    vim.keymap.set(modes, lhs, fn, { buffer = buf, nowait = true, desc = "rapport: " .. desc })
  end
  map({ "i", "n" }, "<CR>", function()
    if vim.fn.pumvisible() == 1 then
      return vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<C-y>", true, false, true), "n", false)
    end
    H.submit(st)
  end, "save the line")
  map("n", "<Esc><Esc>", "<cmd>close<cr>", "close the capture window")
  map("n", "q", "<cmd>close<cr>", "close the capture window")
  show(st, "  " .. client .. ": type and press <CR>", "Comment")
  vim.cmd("startinsert")
  return buf, st
end

return M
