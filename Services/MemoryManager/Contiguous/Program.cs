using Kitten.MemoryManager;

return MemoryManagerService.Run("memory-contiguous", args, new ContiguousPolicy());
