using System.Runtime.CompilerServices;
using System.Xml;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Protocol.Tests.Xml;

/// <summary>
/// The descendant walk that replaces GetElementsByTagName (whose finalizable list kept each
/// request's DOM alive into an older GC generation) finds the same elements in the same order.
/// </summary>
public class XmlDescendantsTests
{
    [Fact]
    public void Over_every_RTDS_request_it_finds_what_GetElementsByTagName_finds()
    {
        var names = SecurityFixtures.TemplateNames().ToList();
        Assert.True(names.Count >= 297, $"expected the 297 RTDS requests, found {names.Count}");
        foreach (var name in names)
        {
            var document = SecurityFixtures.Load(SecurityFixtures.TemplateBytes(name!));
            var root = document.DocumentElement!;
            foreach (var (node, local, ns) in new (XmlNode, string, string)[]
                     {
                         (document, "*", DuisNamespaces.ServiceUserGateway),
                         (root, "*", DuisNamespaces.ServiceUserGateway),
                         (root, "Body", DuisNamespaces.ServiceUserGateway),
                         (document, "Signature", "http://www.w3.org/2000/09/xmldsig#"),
                     })
            {
                var expected = node is XmlDocument d ? d.GetElementsByTagName(local, ns) : ((XmlElement)node).GetElementsByTagName(local, ns);
                Assert.Equal(expected.Cast<XmlElement>(), node.Elements(local, ns));
            }
        }
    }

    [Fact]
    public void It_excludes_the_root_and_its_siblings_and_other_namespaces()
    {
        var document = SecurityFixtures.Load("""
            <r xmlns="urn:a" xmlns:b="urn:b"><x><x/><b:x/></x><y><x>t</x></y></r>
            """);
        var first = (XmlElement)document.DocumentElement!.FirstChild!;
        Assert.Equal(["x"], first.Elements("x", "urn:a").Select(e => e.LocalName));
        Assert.Equal(3, document.Elements("x", "urn:a").Count());
        Assert.Single(document.Elements("x", "urn:b"));
        Assert.Equal("t", document.DocumentElement.FirstElement("y", "urn:a")!.FirstElement("x", "urn:a")!.InnerText);
        Assert.Null(first.FirstElement("y", "urn:a"));
    }

    private static readonly Lazy<(byte[] Bytes, KeyStore Store, RemotePartyRole Role)> Signed = new(() =>
        (SecurityFixtures.SignTemplate("ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_REQUEST_DUIS.XML", out var store, out var role), store, role));

    /// <summary>Verifies a request and returns only a weak reference to its DOM (one that survives resurrection by a finalizer).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference VerifiedAndForgotten(Action<XmlDocument>? alsoDo = null)
    {
        var (bytes, store, role) = Signed.Value;
        var document = SecurityFixtures.Load(bytes);
        Assert.True(DuisSignatureVerifier.Verify(document, store, role).IsValid);
        alsoDo?.Invoke(document);
        return new WeakReference(document, trackResurrection: true);
    }

    [Fact]
    public void A_verified_request_DOM_is_reclaimed_by_the_first_collection_after_its_last_use()
    {
        var weak = VerifiedAndForgotten();
        GC.Collect();
        Assert.False(weak.IsAlive, "the DOM outlived a full collection: something finalizable still holds it");
    }

    [Fact]
    public void The_premise_GetElementsByTagName_keeps_its_document_until_a_finalizer_has_run()
    {
        var weak = VerifiedAndForgotten(d => d.GetElementsByTagName("Signature", "http://www.w3.org/2000/09/xmldsig#").Count.ToString());
        GC.Collect();
        Assert.True(weak.IsAlive, "XmlElementList no longer holds its document past a collection; XmlDescendants' reason is gone");
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(weak.IsAlive);
    }
}
