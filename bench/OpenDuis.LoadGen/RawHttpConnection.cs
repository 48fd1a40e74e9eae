using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// The closed loop's client over plain HTTP: one kept-alive HTTP/1.1 connection on a blocking socket, driven by
/// its own thread, as <c>wrk</c> drives a server. Each request is one send (head and body together) and the answer
/// is read until its Content-Length (or its last chunk). HttpClient's own work — its pool, header objects and
/// asynchronous hand-offs between threads — costs about 30 µs a request on the two cores the server also needs,
/// and a User's adapter is not OpenDUIS's cost; <c>--client httpclient</c> measures with it instead.
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _head;
    private byte[] _send = new byte[64 * 1024];
    private byte[] _receive = new byte[16 * 1024];

    public RawHttpConnection(Uri server)
    {
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(server.Host, server.Port);
        _head = Encoding.ASCII.GetBytes($"Host: {server.Authority}\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: ");
    }

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/>; returns the status and the answer's body (valid until the next call).</summary>
    public (int Status, ReadOnlyMemory<byte> Body) Post(string path, ReadOnlySpan<byte> body)
    {
        var needed = path.Length + _head.Length + body.Length + 64;
        if (_send.Length < needed) _send = new byte[needed * 2];
        var at = 0;
        at += Encoding.ASCII.GetBytes("POST ", _send);
        at += Encoding.ASCII.GetBytes(path, _send.AsSpan(at));
        at += Encoding.ASCII.GetBytes(" HTTP/1.1\r\n", _send.AsSpan(at));
        _head.CopyTo(_send, at);
        at += _head.Length;
        Utf8Formatter.TryFormat(body.Length, _send.AsSpan(at), out var written);
        at += written;
        "\r\n\r\n"u8.CopyTo(_send.AsSpan(at));
        at += 4;
        body.CopyTo(_send.AsSpan(at));
        at += body.Length;
        for (var sent = 0; sent < at;) sent += _socket.Send(_send, sent, at - sent, SocketFlags.None);
        return ReadAnswer();
    }

    private (int Status, ReadOnlyMemory<byte> Body) ReadAnswer()
    {
        var length = 0;
        int headEnd;
        while ((headEnd = _receive.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0) length += ReceiveMore(length);
        var head = _receive.AsSpan(0, headEnd);
        if (!head.StartsWith("HTTP/1.1 "u8) || !Utf8Parser.TryParse(head[9..], out int status, out _))
            throw new InvalidDataException("The server's answer is not an HTTP/1.1 status line.");
        var bodyStart = headEnd + 4;
        var contentLength = Header(head, "content-length"u8);
        if (!contentLength.IsEmpty)
        {
            if (!Utf8Parser.TryParse(contentLength, out int bodyLength, out _)) throw new InvalidDataException("The answer's Content-Length is not a number.");
            Ensure(bodyStart + bodyLength);
            while (length < bodyStart + bodyLength) length += ReceiveMore(length);
            return (status, _receive.AsMemory(bodyStart, bodyLength));
        }
        if (Header(head, "transfer-encoding"u8).SequenceEqual("chunked"u8))
            return (status, ReadChunked(bodyStart, length));
        throw new InvalidDataException("The answer has neither a Content-Length nor chunked encoding.");
    }

    /// <summary>The chunks' data moved together in place, from <paramref name="at"/>.</summary>
    private ReadOnlyMemory<byte> ReadChunked(int at, int length)
    {
        var start = at;
        var end = at;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _receive.AsSpan(at, length - at).IndexOf("\r\n"u8)) < 0) length += ReceiveMore(length);
            var sizeLine = _receive.AsSpan(at, lineEnd);
            if (!Utf8Parser.TryParse(sizeLine, out int size, out _, 'x')) throw new InvalidDataException("A chunk's size is not hexadecimal.");
            at += lineEnd + 2;
            Ensure(at + size + 2);
            while (length < at + size + 2) length += ReceiveMore(length);
            if (size == 0) return _receive.AsMemory(start, end - start);
            _receive.AsSpan(at, size).CopyTo(_receive.AsSpan(end));
            end += size;
            at += size + 2;
        }
    }

    private static ReadOnlySpan<byte> Header(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name)
    {
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon == name.Length && Ascii.EqualsIgnoreCase(line[..colon], name)) return line[(colon + 1)..].Trim((byte)' ');
        }
        return default;
    }

    private void Ensure(int size)
    {
        if (_receive.Length >= size) return;
        var bigger = new byte[Math.Max(size, _receive.Length * 2)];
        _receive.CopyTo(bigger, 0);
        _receive = bigger;
    }

    private int ReceiveMore(int length)
    {
        if (length == _receive.Length) Ensure(length * 2);
        var read = _socket.Receive(_receive, length, _receive.Length - length, SocketFlags.None);
        return read > 0 ? read : throw new IOException("The server closed the connection before the answer was complete.");
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>One closed-loop client's connections, one per server, and each service's path.</summary>
internal sealed class RawClient : IDisposable
{
    private readonly Dictionary<Uri, (RawHttpConnection Connection, string Path)> _byUri = [];
    private readonly Dictionary<string, RawHttpConnection> _byServer = [];

    public (int Status, ReadOnlyMemory<byte> Body) Post(Uri uri, ReadOnlySpan<byte> body)
    {
        if (!_byUri.TryGetValue(uri, out var target))
        {
            if (!_byServer.TryGetValue(uri.Authority, out var connection)) _byServer[uri.Authority] = connection = new RawHttpConnection(uri);
            _byUri[uri] = target = (connection, uri.PathAndQuery);
        }
        return target.Connection.Post(target.Path, body);
    }

    public void Dispose()
    {
        foreach (var connection in _byServer.Values) connection.Dispose();
    }
}
