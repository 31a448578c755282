using Kitten.MemoryManager;

return MemoryManagerService.Run("memory-paged", args, new PagedPolicy());
