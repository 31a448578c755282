using System.Text;

namespace Kitten.Ipc.Host;

// What a look-up of a name that is not served (yet, or again) waits on: a registration is a rename into
// names/ (HostIpcSystem.RegisterCore), which inotify(7) reports on the folder as IN_MOVED_TO, so the
// look-up wakes as soon as a restarted service registers, as on the kernel, instead of finding it at its
// next poll (up to 20 ms later: a service's whole restart takes about as long). One per IpcSystem, kept
// open: closing an inotify instance waits for the end of an SRCU grace period in Linux's fsnotify (its
// marks are freed after synchronize_srcu), milliseconds that every look-up would pay.
internal sealed unsafe class NameWatch : IDisposable
{
    private const int EventBufferBytes = 4096;
    private int _fd;

    private NameWatch(int fd)
    {
        _fd = fd;
    }

    // Null if inotify is not to be had (e.g. the per-user limit of instances, inotify(7)
    // max_user_instances): the caller then polls.
    public static NameWatch? Open(string folder)
    {
        int fd = Posix.InotifyInit1(Posix.IN_NONBLOCK | Posix.IN_CLOEXEC);
        if (fd < 0)
            return null;
        byte[] path = Encoding.UTF8.GetBytes(folder + "\0");
        int watch;
        fixed (byte* text = path)
            watch = Posix.InotifyAddWatch(fd, text, Posix.IN_MOVED_TO | Posix.IN_CREATE);
        if (watch < 0)
        {
            Posix.Close(fd);
            return null;
        }
        return new NameWatch(fd);
    }

    // Forgets the events so far: a look-up drains, then looks, then waits, so that what it waits for is
    // a registration made after its look.
    public void Drain()
    {
        byte* events = stackalloc byte[EventBufferBytes];
        while (Posix.Read(_fd, events, EventBufferBytes) > 0)
        {
        }
    }

    // Returns when an entry was created in or moved into the folder since the last Drain, or after
    // `milliseconds` (-1: no limit), or on a signal; the caller looks again either way.
    public void Wait(int milliseconds)
    {
        var poll = new Posix.PollFd { Fd = _fd, Events = Posix.POLLIN };
        Posix.Poll(&poll, 1, milliseconds);
    }

    public void Dispose()
    {
        if (_fd >= 0)
            Posix.Close(_fd);
        _fd = -1;
    }
}
