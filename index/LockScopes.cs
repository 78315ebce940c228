namespace Actors.VectorIndex;

/// <summary><c>using (_lock.Read())</c> and <c>using (_lock.Write())</c> for <see cref="ReaderWriterLockSlim"/>.</summary>
internal static class LockScopes
{
    public static ReadScope Read(this ReaderWriterLockSlim rwLock)
    {
        rwLock.EnterReadLock();
        return new ReadScope(rwLock);
    }

    public static WriteScope Write(this ReaderWriterLockSlim rwLock)
    {
        rwLock.EnterWriteLock();
        return new WriteScope(rwLock);
    }

    public readonly struct ReadScope(ReaderWriterLockSlim rwLock) : IDisposable
    {
        public void Dispose() => rwLock.ExitReadLock();
    }

    public readonly struct WriteScope(ReaderWriterLockSlim rwLock) : IDisposable
    {
        public void Dispose() => rwLock.ExitWriteLock();
    }
}
