-- Child Neovims in the tests: the plugin under test on 'runtimepath', no user config.
local root = os.getenv("RAPPORT_ROOT")
vim.opt.runtimepath:prepend(root)
vim.opt.swapfile = false
vim.opt.shadafile = "NONE"
