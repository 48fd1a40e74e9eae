using System.Diagnostics;
using System.Security.Cryptography;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Benchmarks;

/// <summary>
/// The issue's target as one ratio, robust to a busy machine: parse + verify + sign of a typical
/// RTDS request against the crypto floor (one raw ECDSA-P256 verify plus one sign), the two
/// measured alternately, one round each at a time, so that both see the same interference.
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

        void Pipeline()
        {
            var document = SecureXml.Default.Load(signed);
            if (!DuisSignatureVerifier.Verify(document, keys, RemotePartyRole.XmlSign).IsValid) throw new InvalidOperationException();
            DuisSigner.SignAndSerialise(document, dsp);
        }

        // Warm up for long enough that tiered compilation has promoted the hot path to optimised
        // code (a few hundred rounds leave much of it at tier 0 and overstate the XML cost ~2x).
        var warmUpUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3;
        while (Stopwatch.GetTimestamp() < warmUpUntil) { Floor(); Pipeline(); }
        var floor = new double[rounds];
        var pipeline = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            Floor();
            var t1 = Stopwatch.GetTimestamp();
            Pipeline();
            var t2 = Stopwatch.GetTimestamp();
            floor[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds;
            pipeline[i] = Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
        }
        Array.Sort(floor);
        Array.Sort(pipeline);
        double P(double[] a, double q) => a[(int)(q * (a.Length - 1))];
        Console.WriteLine($"rounds {rounds}; request {signed.Length} bytes; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"floor (ECDSA verify + sign): p10 {P(floor, 0.1):F1} µs, median {P(floor, 0.5):F1} µs");
        Console.WriteLine($"parse + verify + sign:       p10 {P(pipeline, 0.1):F1} µs, median {P(pipeline, 0.5):F1} µs");
        Console.WriteLine($"ratio: p10 {P(pipeline, 0.1) / P(floor, 0.1):F2}x, median {P(pipeline, 0.5) / P(floor, 0.5):F2}x (target < 3x)");
        return 0;
    }
}
