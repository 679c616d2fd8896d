-- :checkhealth rapport
local M = {}

function M.check()
  local h = require("rapport.compat").health()
  local client = require("rapport.client")
  h.start("rapport.nvim")

  if vim.fn.has("nvim-0.7.2") == 1 then
    h.ok("Neovim " .. tostring(vim.version().major) .. "." .. vim.version().minor .. "." .. vim.version().patch)
  else
    h.error("Neovim 0.7.2 or newer is required")
  end

  local bin, err = client.binary()
  if not bin then
    h.error(err, { "run `make` in the plugin directory", "or set the `binary` option" })
    return
  end
  h.ok("helper binary: " .. bin)
  local out = vim.fn.system({ bin, "--version" })
  local proto = tonumber(out:match("protocol (%d+)"))
  if vim.v.shell_error ~= 0 or not proto then
    h.error("`" .. bin .. " --version` failed: " .. out, { "rebuild with `make`" })
  elseif proto ~= client.PROTOCOL then
    h.error(("helper protocol %d, plugin expects %d"):format(proto, client.PROTOCOL), { "rebuild with `make`" })
  else
    h.ok(vim.trim(out))
  end

  local vault = require("rapport").current_vault()
  if not vault then
    h.warn("no vault for the current buffer or directory", {
      "open a note inside a directory that holds .rapport/",
      "or run :Rapport init in your notes directory, or set the `vault` option",
    })
  else
    if vim.loop.fs_access(vault, "R") then
      h.ok("vault readable: " .. vault)
    else
      h.error("vault not readable: " .. vault)
    end
    local helper = client.helper(vault)
    if helper and helper.chan then
      local ok, st = pcall(client.request_sync, vault, "status")
      if ok then
        h.ok(("helper running: pid %d, database %s"):format(st.pid, st.database))
        local pok, peer = pcall(client.request_sync, vault, "peer")
        if pok and type(peer) == "table" and peer.channel then
          h.ok(("helper calls back into Neovim (channel %d, API level %s)"):format(peer.channel,
            tostring(peer.api_level)))
        else
          h.error("the helper cannot call back into Neovim: " .. tostring(peer))
        end
        local dir = vim.fn.fnamemodify(st.database, ":h")
        if vim.fn.filewritable(dir) == 2 then
          h.ok("database directory writable: " .. dir)
        else
          h.error("database directory not writable: " .. dir, { "set $RAPPORT_DB or fix the permissions" })
        end
      else
        h.error("helper does not answer: " .. tostring(st))
      end
    else
      h.info("helper not running (it starts with the first vault note or :Rapport command)")
    end
  end

  local picker = require("rapport.ui").picker()
  h.info("picker: " .. picker .. (picker == "select" and " (vim.ui.select)" or ""))
end

return M
