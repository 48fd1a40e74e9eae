using System.Diagnostics;
using System.Security.Cryptography;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The door's protocol work on a typical RTDS request (read, verify, the I99 acknowledgement built
/// and signed), by the document path and by the one-pass path, against the crypto floor (one raw
/// ECDSA-P256 verify plus one sign): the three measured alternately, one round each at a time, so
/// that all see the same interference on a busy machine.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- protocol-ratio [rounds]
/// </summary>
internal static class ProtocolRatio
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3000;
        var reference = Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!;
        var keys = KeyStore.Load(Path.Combine(reference, "keystore"));
        var user = keys.FindXmlSigningKey(Eui.Parse("90-B3-D5-1F-30-01-00-00"))!;
        var dsp = keys.FindXmlSigningKey(Eui.Parse("90-B3-D5-1F-30-00-00-02"))!;
        var template = SecureXml.Default.Load(File.ReadAllBytes(Path.Combine(ReferenceData.Templates, "ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML")));
        var signed = DuisSigner.SignAndSerialise(template, user);

        using var publicKey = user.Certificate.Certificate.PublicKey.GetECDsaPublicKey()!;
        using var privateKey = ECDsa.Create();
        privateKey.ImportFromPem(user.ExportPrivateKeyPem());
        var hash = SHA256.HashData(signed);
        var signature = privateKey.SignHash(hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        void Floor()
        {
            if (!publicKey.VerifyHash(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)) throw new InvalidOperationException();
            privateKey.SignHash(hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        // The door's protocol work on one request, as before: the document path and the DOM signer.
        var at = DateTimeOffset.UnixEpoch;
        void Document()
        {
            var document = SecureXml.Default.Load(signed);
            if (!DuisRequest.TryRead(document, out var request, out _) || !DuisSignatureVerifier.Verify(document, keys, RemotePartyRole.XmlSign).IsValid)
                throw new InvalidOperationException();
            DuisSigner.SignAndSerialise(DuisResponse.CreateAcknowledgement(request, ResponseCode.I99, at).ToXmlDocument(), dsp);
        }

        // The same now: one pass over the bytes, the acknowledgement written and signed without a document.
        var security = new DuisSecurity(keys);
        void OnePass()
        {
            if (!security.TryReadSignedRequest(signed, static _ => RemotePartyRole.XmlSign, out var request, out var verification) || !verification.IsValid)
                throw new InvalidOperationException();
            DuisResponse.CreateAcknowledgement(request, ResponseCode.I99, at).ToSignedBytes(dsp);
        }

        // Warm up for long enough that tiered compilation has promoted the hot path to optimised
        // code (a few hundred rounds leave much of it at tier 0 and overstate the XML cost ~2x).
        var warmUpUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3;
        while (Stopwatch.GetTimestamp() < warmUpUntil) { Floor(); Document(); OnePass(); }
        var floor = new double[rounds];
        var document = new double[rounds];
        var onePass = new double[rounds];
        long allocatedDocument = 0, allocatedOnePass = 0;
        for (var i = 0; i < rounds; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            Floor();
            var t1 = Stopwatch.GetTimestamp();
            var a0 = GC.GetAllocatedBytesForCurrentThread();
            Document();
            var t2 = Stopwatch.GetTimestamp();
            var a1 = GC.GetAllocatedBytesForCurrentThread();
            OnePass();
            var t3 = Stopwatch.GetTimestamp();
            var a2 = GC.GetAllocatedBytesForCurrentThread();
            floor[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds;
            document[i] = Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
            onePass[i] = Stopwatch.GetElapsedTime(t2, t3).TotalMicroseconds;
            allocatedDocument += a1 - a0;
            allocatedOnePass += a2 - a1;
        }
        Array.Sort(floor);
        Array.Sort(document);
        Array.Sort(onePass);
        double P(double[] a, double q) => a[(int)(q * (a.Length - 1))];
        Console.WriteLine($"rounds {rounds}; request {signed.Length} bytes; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"floor (ECDSA verify + sign):                      p10 {P(floor, 0.1):F1} µs, median {P(floor, 0.5):F1} µs");
        Console.WriteLine($"door, document path (read, verify, I99 signed):   p10 {P(document, 0.1):F1} µs, median {P(document, 0.5):F1} µs, {allocatedDocument / rounds} B allocated");
        Console.WriteLine($"door, one pass (read, verify, I99 signed):        p10 {P(onePass, 0.1):F1} µs, median {P(onePass, 0.5):F1} µs, {allocatedOnePass / rounds} B allocated");
        Console.WriteLine($"ratio to the floor: document p10 {P(document, 0.1) / P(floor, 0.1):F2}x, median {P(document, 0.5) / P(floor, 0.5):F2}x; " +
            $"one pass p10 {P(onePass, 0.1) / P(floor, 0.1):F2}x, median {P(onePass, 0.5) / P(floor, 0.5):F2}x");
        return 0;
    }
}
