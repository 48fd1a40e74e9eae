using System.Security.Cryptography;
using System.Xml;
using BenchmarkDotNet.Attributes;
using OpenDuis.Core.Demo;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;

namespace OpenDuis.Benchmarks;

/// <summary>
/// What GBCS security adds to one device response (issue 16), beside the DSP's XML signature of the
/// Service Response that carries it: the MAC (ECDH + KDF + GCM tag), the encryption of the payload
/// GBCS encrypts (ECDH + KDF + GCM), the Device signature of a response to a Critical command (ECDSA
/// P-256), and the User's MAC check. The response is RTDS ECS17b's (4.1.1, 0x0027); the User's key is
/// the ZAZ1 supplier's KA key, the Device's keys generated.
/// Run: dotnet run -c Release --project bench/OpenDuis.Benchmarks -- --filter '*GbcsSecurity*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class GbcsSecurityBenchmarks
{
    private static readonly ServiceReference Reference = ServiceReference.Parse("4.1");
    private static readonly ServiceReferenceVariant Variant = ServiceReferenceVariant.Parse("4.1.1");
    private readonly ECDiffieHellman _deviceKa = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _deviceDs = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private ECDiffieHellman _userKa = null!;
    private GbcsMessage _response = null!;
    private byte[] _plaintext = [];
    private byte[] _wire = [];
    private GbcsMessage _received = null!;
    private SigningKey _dspKey = null!;
    private ulong _counter = 1;
    private GbcsKeyAgreement _agreement = null!;

    [GlobalSetup]
    public void Setup()
    {
        var reference = Path.GetDirectoryName(Path.GetFullPath(ReferenceData.Templates))!;
        var rtds = Path.Combine(reference, "rtds-gbcs");
        var supplier = Eui.Parse("90-B3-D5-1F-30-01-00-00");
        _userKa = GbcsKeyring.Load(Path.Combine(rtds, "keystore")).Find(supplier, GbcsKeyUsage.KeyAgreement).First(k => k.HasPrivateKey).Agreement!;
        var hex = File.ReadAllText(Path.Combine(rtds, "RTDS-4.5.0", "4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")).Trim();
        _response = GbcsMessage.Read(Convert.FromHexString(hex)) with { Mac = null };
        _plaintext = new byte[26];
        _wire = GbcsSecurity.WriteWithMac(_response, _deviceKa, _userKa);
        _received = GbcsMessage.Read(_wire);
        _agreement = new GbcsKeyAgreement(_deviceKa, _userKa);
        _dspKey = KeyStore.Load(Path.Combine(reference, "keystore")).FindXmlSigningKey(DemoKeySet.DspEui)!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _deviceKa.Dispose();
        _deviceDs.Dispose();
    }

    /// <summary>The Device's MAC: derive the response key, tag the General Signing APDU, wrap it.</summary>
    [Benchmark]
    public byte[] Mac() => GbcsSecurity.WriteWithMac(_response with { OriginatorCounter = ++_counter }, _deviceKa, _userKa);

    /// <summary>The Device's encryption of a 4.1.1 register payload (26 octets): derive the encryption key, encrypt.</summary>
    [Benchmark]
    public byte[] Encrypt() =>
        GbcsSecurity.Encrypt(_plaintext, GbcsSecurity.EncryptionKey(_response with { OriginatorCounter = ++_counter }, _deviceKa, _userKa), _response.Originator);

    /// <summary>The encryption with the two parties' ECDH secret kept, as the emulated devices encrypt: KDF and GCM only.</summary>
    [Benchmark]
    public byte[] EncryptWithKeptAgreement() =>
        GbcsSecurity.Encrypt(_plaintext, GbcsSecurity.EncryptionKey(_response with { OriginatorCounter = ++_counter }, _agreement), _response.Originator);

    /// <summary>The MAC with the two parties' ECDH secret kept (an emulated Device keeps one per Remote Party): KDF and GCM tag only.</summary>
    [Benchmark]
    public byte[] MacWithKeptAgreement() => GbcsSecurity.WriteWithMac(_response with { OriginatorCounter = ++_counter }, _agreement);

    /// <summary>The Device signature of a response to a Critical command.</summary>
    [Benchmark]
    public GbcsMessage DeviceSignature() => GbcsSecurity.Sign(_response, _deviceDs);

    /// <summary>The User's check of the MAC (key derivation and tag).</summary>
    [Benchmark]
    public bool VerifyMac() => GbcsSecurity.MacVerifies(_wire, _received, GbcsSecurity.MacKey(_received, _userKa, _deviceKa));

    /// <summary>Beside them: the DSP's XML signature of the Service Response carrying the payload (built, signed, serialised).</summary>
    [Benchmark(Baseline = true)]
    public byte[] DspXmlSignature()
    {
        var request = new RequestId(DemoEnvironment.Supplier, DemoEnvironment.Esme, ++_counter);
        var doc = new XmlDocument();
        var payload = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "GBCSPayload", DuisNamespaces.ServiceUserGateway);
        payload.InnerText = Convert.ToBase64String(_wire);
        var response = DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, request, new RequestId(DemoEnvironment.Esme, DemoEnvironment.Supplier, _counter),
            ResponseCode.I0, DateTimeOffset.UtcNow, Reference, Variant, payload);
        return DuisSigner.SignAndSerialise(response.ToXmlDocument(), _dspKey);
    }
}
