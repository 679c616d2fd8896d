-- Writes seed inputs for fuzz_dispatch: msgpack-rpc frames as Neovim sends them.
-- Run: OUT=tests/fuzz/seeds/dispatch nvim --headless -u NONE -c "luafile tests/fuzz/dispatch_seeds.lua" -c "qa!"
-- (Neovim 0.10+: vim.mpack).
local out = assert(os.getenv("OUT"))
local function req(id, method, params)
  return vim.mpack.encode({ 0, id, "rapport." .. method, params and { params } or {} })
end
local function notif(id, method, params)
  return vim.mpack.encode({ 2, "rapport.request", { id, "rapport." .. method, params } })
end
local V = "clients/acme-logistics.md"
local seeds = {
  hello = req(1, "hello"),
  status = req(2, "status"),
  configure = req(3, "configure", { hints = { enabled = true }, priority_cap = 2 }),
  tags = req(4, "tags"),
  find = req(5, "find", { query = "type:client AND (risk OR -#vip)" }),
  find_bad = req(6, "find", { query = "risk AND (" }),
  search = req(7, "search", { text = "dispatchers", limit = 5 }),
  check = req(8, "check"),
  complete = req(9, "complete"),
  tag_add = req(10, "tag_add", { path = V, tags = { "new", "Topic/Sub" }, texts = { [V] = { "---\ntags: [a]\n---\n# A\n", 3 } } }),
  tag_remove = req(11, "tag_remove", { path = V, tags = { "risk" }, texts = { [V] = { "---\ntags: [risk]\n---\n", 1 } } }),
  tag_rename = req(12, "tag_rename", { old = "risk", new = "risk/high", dry_run = true }),
  priorities = req(13, "priorities", { client = "acme-logistics" }),
  priorities_path = req(14, "priorities", { path = V, text = "## Priorities\n- a\n- b\n- c\n- d\n" }),
  cap = req(15, "cap", { path = V, cap = 2, texts = { [V] = { "## Priorities\n1. a\n2. b\n3. c\n", 7 } } }),
  promote = req(16, "promote", { path = V, line = 9, park = 3, texts = { [V] = { "## Priorities\n- a\n\n## Parking lot\n- b\n", 2 } } }),
  hints = req(17, "hints", { path = V, text = "# Call\n\nWe need to close this quarter, urgent!\n- [ ] follow up soon\n" }),
  hints_lines = req(18, "hints", { path = V, first = 0, last = 1, lines = { "We must sign by Friday" }, count = 5 }),
  note = req(19, "note", { path = V }),
  hints_detach = req(20, "hints_detach", { path = V }),
  tasks = req(21, "tasks", { overdue = true, ours = true }),
  health = req(22, "health"),
  prep = req(23, "prep", { client = "acme-logistics", markdown = true }),
  capture = req(24, "capture", { client = "acme-logistics", text = "they asked about SSO", texts = { [V] = { "# A\n", 1 } } }),
  new_client = req(25, "new_client", { name = "Zeta Corp" }),
  new_meeting = req(26, "new_meeting", { client = "acme-logistics", date = "2026-11-24" }),
  init = req(27, "init"),
  index_file = req(28, "index_file", { path = V }),
  index = req(29, "index", { full = true }),
  peer = req(30, "peer"),
  peer_answered = req(31, "peer") .. vim.mpack.encode({ 1, 1, vim.NIL, { 7, { version = { api_level = 11 } } } }),
  notify_health = notif(32, "health", {}),
  notify_prep = notif("x", "prep", { client = "cobalt-retail" }),
  outside = req(33, "tag_add", { path = "../../etc/passwd", tags = { "x" } }),
  unknown = req(34, "nope"),
  two = req(35, "tags") .. req(36, "find", { query = "@nadia" }),
}
for name, bytes in pairs(seeds) do
  local f = assert(io.open(out .. "/" .. name, "wb"))
  f:write(bytes)
  f:close()
end
