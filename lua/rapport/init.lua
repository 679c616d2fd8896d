-- rapport.nvim public API: setup(), one function per subcommand, vault
-- lookup and the lazy attach to vault notes.
local M = {}
local H = {}

local function cfg()
  return require("rapport.config")
end

function M.setup(opts)
  local options = cfg().set(opts)
  -- Helpers already running get the new settings.
  local client = require("rapport.client")
  for vault, h in pairs(client.helpers()) do
    if h.chan then
      client.request(vault, "configure", cfg().helper_settings())
    end
  end
  return options
end

local uv = vim.uv or vim.loop

local function realpath(p)
  return p and uv.fs_realpath(p) or nil
end

local function is_dir(p)
  local st = p and uv.fs_stat(p)
  return st and st.type == "directory"
end

local function inside(path, root)
  return path == root or path:sub(1, #root + 1) == root .. "/"
end

-- The vault holding `path` (a file or directory), or nil (SPEC §1.1).
function M.vault_for(path)
  local fixed = cfg().options.vault or os.getenv("RAPPORT_VAULT")
  if fixed and fixed ~= "" then
    local root = realpath(vim.fn.expand(fixed))
    if not root then
      return nil
    end
    if not path then
      return root
    end
    local p = realpath(path) or vim.fn.fnamemodify(path, ":p")
    return inside(p, root) and root or nil
  end
  if not path or path == "" then
    return nil
  end
  local dir = realpath(path) or vim.fn.fnamemodify(path, ":p")
  if not is_dir(dir) then
    dir = vim.fn.fnamemodify(dir, ":h")
  end
  while dir and dir ~= "" do
    if is_dir(dir .. "/.rapport") then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return nil
end

-- The vault for a command: the current buffer's, else the option or
-- environment, else the current directory's.
function M.current_vault()
  local name = vim.bo.buftype == "" and vim.api.nvim_buf_get_name(0) or ""
  local v = name ~= "" and M.vault_for(name) or nil
  if v then
    return v
  end
  local fixed = cfg().options.vault or os.getenv("RAPPORT_VAULT")
  if fixed and fixed ~= "" then
    return M.vault_for(nil)
  end
  return M.vault_for(vim.fn.getcwd())
end

M.NO_VAULT = "rapport: not in a vault. A vault is a directory with a .rapport/ folder:"
  .. " run :Rapport init in your notes directory, or set the `vault` option"

-- Remembers what the helper sees in a buffer (its client, for prep,
-- capture and the statusline) in b:rapport_client / b:rapport_type.
function M.note_info(buf, vault)
  local path = vim.api.nvim_buf_get_name(buf)
  require("rapport.client").request(vault, "note", { path = path }, function(err, res)
    if not err and res and vim.api.nvim_buf_is_valid(buf) then
      vim.b[buf].rapport_client = res.client ~= vim.NIL and res.client or nil
      vim.b[buf].rapport_type = res.type
    end
  end)
end

-- Called for every markdown buffer: only vault notes start the helper.
function M.attach(buf)
  if H.attached and H.attached[buf] then
    return
  end
  local name = vim.api.nvim_buf_get_name(buf)
  local vault = M.vault_for(name)
  if not vault then
    return
  end
  H.attached = H.attached or {}
  H.attached[buf] = vault
  vim.b[buf].rapport_vault = vault
  if cfg().options.omnifunc then
    vim.bo[buf].omnifunc = "v:lua.require'rapport.complete'.omnifunc"
  end
  vim.bo[buf].completefunc = "v:lua.require'rapport.complete'.omnifunc"
  local client = require("rapport.client")
  local _, err = client.get(vault)
  if err then
    client.notify_once(err)
  end
  M.note_info(buf, vault)
  require("rapport.hints").attach(buf, vault)
  require("rapport.priorities").decorate(buf, vault)
  local group = vim.api.nvim_create_augroup("rapport_buf_" .. buf, { clear = true })
  vim.api.nvim_create_autocmd("BufWritePost", {
    group = group,
    buffer = buf,
    callback = function()
      -- A save is indexed before the helper answers anything else.
      local path = vim.api.nvim_buf_get_name(buf)
      client.request(vault, "index_file", { path = path })
      M.note_info(buf, vault)
      require("rapport.priorities").on_save(buf, vault)
    end,
  })
  vim.api.nvim_create_autocmd({ "BufDelete", "BufWipeout" }, {
    group = group,
    buffer = buf,
    callback = function()
      H.attached[buf] = nil
      require("rapport.hints").detach(buf)
      pcall(vim.api.nvim_del_augroup_by_id, group)
    end,
  })
end

-- Lua API: require("rapport").<sub>(args, on_done) for every subcommand.
function M.statusline()
  return require("rapport.statusline").get()
end

setmetatable(M, {
  __index = function(_, key)
    local def = require("rapport.commands").by_api(key)
    if not def then
      return nil
    end
    return function(args, on_done, ...)
      if key == "capture" and type(args) == "string" then
        -- capture(client, text, on_done)
        args, on_done = { client = args, text = on_done }, ...
      end
      return require("rapport.commands").call(def, args, on_done)
    end
  end,
})

return M
