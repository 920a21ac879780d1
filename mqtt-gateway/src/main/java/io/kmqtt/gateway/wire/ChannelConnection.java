package io.kmqtt.gateway.wire;

import io.kmqtt.gateway.delivery.ClientConnection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.mqtt.MqttMessage;

/**
 * A client connection as the outbound flow sees it: the Netty channel under Vert.x's endpoint.
 * Writes go straight into the channel's pipeline (through the MQTT encoder) without Vert.x's
 * flush-per-write, so a batch of PUBLISHes costs one flush; every write happens on the channel's
 * event loop, so it stays ordered with the acknowledgements Vert.x writes there.
 */
public final class ChannelConnection implements ClientConnection {

    private final Channel channel;
    private final boolean mqtt5;

    public ChannelConnection(Channel channel, boolean mqtt5) {
        this.channel = channel;
        this.mqtt5 = mqtt5;
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public boolean isOpen() {
        // A connection half-closed after a DISCONNECT still reads, but takes no more writes.
        return channel.isActive() && !(channel instanceof DuplexChannel duplex && duplex.isOutputShutdown());
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void whenWritable(Runnable task) {
        WhenWritable handler = channel.pipeline().get(WhenWritable.class);
        if (handler == null) { // added on first need: a connection that never falls behind pays nothing
            handler = new WhenWritable();
            channel.pipeline().addFirst(handler);
        }
        handler.task = task;
    }

    /** Runs the task it holds once the channel is writable again; passes the event on. */
    private static final class WhenWritable extends ChannelInboundHandlerAdapter {
        private Runnable task;

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Runnable t = task;
            if (t != null && ctx.channel().isWritable()) {
                task = null;
                t.run();
            }
            ctx.fireChannelWritabilityChanged();
        }
    }

    @Override
    public void write(MqttMessage packet) {
        channel.write(packet, channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public boolean isMqtt5() {
        return mqtt5;
    }
}
