namespace OpenDuis.Gbcs.Tests;

public class GbcsProjectTests
{
    [Fact]
    public void A_message_written_reads_back_the_same()
    {
        var message = new GbcsMessage(CraFlag.Response, 42, new Protocol.Domain.Eui(0x00DB1234567890A0), new Protocol.Domain.Eui(0x90B3D51F30010000),
            null, 0x0027, new byte[] { 1, 2, 3 }, null, null);
        var again = GbcsMessage.Read(message.Write());
        Assert.Equal(message.MessageCode, again.MessageCode);
        Assert.Equal(message.Content.ToArray(), again.Content.ToArray());
    }
}
