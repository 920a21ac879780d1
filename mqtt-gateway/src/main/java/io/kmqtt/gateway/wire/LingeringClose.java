package io.kmqtt.gateway.wire;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * The close that follows the gateway's DISCONNECT, as a half-close: the client reads the
 * DISCONNECT and its reason code even if it is still writing. Closing a socket with unread input
 * makes TCP answer with a reset, and a client writing at that moment (PUBRELs, say) gets "broken
 * pipe" or "connection reset" before it has read why it was disconnected.
 *
 * <p>Once a DISCONNECT has been written, the next close of the connection (Vert.x closes right
 * after writing it; {@code handler.Disconnects} is the one path that writes it) becomes: flush,
 * stop writing (TCP shutdown of the output, after a TLS close_notify: the client reads the
 * DISCONNECT, then end of stream), read and discard whatever the client still sends, and close
 * for real when the client closes its side or after the linger time (1 s), whichever comes first.
 *
 * <p>For MQTT the connection ends at that first close: the handlers behind this one (decoder,
 * timers, Vert.x and the gateway's close handler) are told the channel is inactive then, once,
 * and see nothing more of it; the real close later is not passed on. A WebSocket connection, which
 * has its own closing handshake, and a connection without a DISCONNECT written close at once.
 */
final class LingeringClose extends ChannelDuplexHandler {

    /** How long a connection goes on reading, and discarding, after the gateway's DISCONNECT. */
    static final long LINGER_MILLIS = 1_000;

    private final long lingerMillis;
    private boolean disconnectWritten;
    /** The MQTT connection is over (the handlers behind were told so); the socket is draining. */
    private boolean lingering;

    LingeringClose() {
        this(LINGER_MILLIS);
    }

    LingeringClose(long lingerMillis) {
        this.lingerMillis = lingerMillis;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (lingering) {
            // After the DISCONNECT nothing more is sent (MQTT-3.14.4-1).
            ReferenceCountUtil.release(msg);
            if (!promise.isVoid()) { // a void promise would report the failure down the pipeline
                promise.tryFailure(new ClosedChannelException());
            }
            return;
        }
        if (msg instanceof MqttMessage m && m.fixedHeader().messageType() == MqttMessageType.DISCONNECT) {
            disconnectWritten = true;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (lingering) {
            // Asked again while draining: the real close comes when the client closes or the linger ends.
            ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
            return;
        }
        if (!disconnectWritten || !(ctx.channel() instanceof DuplexChannel channel) || !channel.isActive()
                || ctx.pipeline().get(WebSocketServerProtocolHandler.class) != null) {
            ctx.close(promise);
            return;
        }
        lingering = true;
        channel.config().setAutoRead(true); // Vert.x may have paused reading; draining needs it
        ScheduledFuture<?> deadline = ctx.executor().schedule(() -> {
            ctx.close();
        }, lingerMillis, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> {
            deadline.cancel(false);
            promise.trySuccess();
        });
        // Once what was written (the DISCONNECT) is out, the client reads end of stream.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> stopWriting(ctx, channel));
        // As a close would, and later, as Netty does: the connection's close handler runs now, and once.
        ctx.executor().execute(ctx::fireChannelInactive);
    }

    private static void stopWriting(ChannelHandlerContext ctx, DuplexChannel channel) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls != null) {
            tls.closeOutbound().addListener(f -> channel.shutdownOutput());
        } else {
            channel.shutdownOutput();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg); // what the client still sends after our DISCONNECT is discarded
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!lingering) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!lingering) { // else the handlers behind heard it when the lingering began
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (lingering) {
            ReferenceCountUtil.release(event);
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!lingering) {
            ctx.fireChannelWritabilityChanged();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (lingering) {
            ctx.close(); // a reset or a TLS failure while draining: nothing left to wait for, nobody to tell
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
