package io.kmqtt.gateway.wire;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A connection's keep-alive timer: a connection that sends no packet for 1.5 times the keep alive
 * in force is ended (MQTT-3.1.2-24) with a {@link ConnectionFault} 0x8D, which the gateway answers
 * with DISCONNECT "Keep Alive timeout" to an MQTT 5 client; the connection is closed either way.
 * Set at CONNECT from the client's Keep Alive, then again if the gateway gives the client a Server
 * Keep Alive. Replaces the timer Vert.x adds at CONNECT, which rounds 1.5 times up to whole seconds
 * and closes without a reason.
 *
 * <p>One handler per connection, which is its own timer task: Vert.x's pair (Netty's
 * {@code IdleStateHandler}, its task and a handler for its event, each with a pipeline context)
 * held about 330 bytes of every idle connection's heap, this about 160 (docs/benchmarks.md).
 */
public final class KeepAlive {

    /** The names Vert.x gives its timer and its handler at CONNECT, which this replaces. */
    private static final String TIMER = "idle", TIMEOUT = "keepAliveHandler";

    private final ChannelPipeline pipeline;

    KeepAlive(ChannelPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** From now on the connection must send a packet at least every 1.5 times this; 0: no limit. Call on its event loop. */
    public void enforce(int seconds) {
        ChannelHandler old = pipeline.get(TIMER);
        if (old != null) {
            pipeline.remove(TIMER); // Vert.x's, or ours when a Server Keep Alive replaces the client's
        }
        if (pipeline.get(TIMEOUT) != null) {
            pipeline.remove(TIMEOUT);
        }
        if (seconds > 0) {
            pipeline.addBefore("handler", TIMER, new Timer(seconds));
        }
    }

    /** Reads reset the clock; the task runs once per period and re-arms itself for what is left of it. */
    private static final class Timer extends ChannelInboundHandlerAdapter implements Runnable {

        private final int seconds;
        private final long periodNanos;
        private long lastReadNanos;
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> task;

        Timer(int seconds) {
            this.seconds = seconds;
            this.periodNanos = TimeUnit.MILLISECONDS.toNanos(seconds * 1500L);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            lastReadNanos = System.nanoTime();
            if (ctx.channel().isActive()) {
                task = ctx.executor().schedule(this, periodNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            cancel();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            lastReadNanos = System.nanoTime();
            ctx.fireChannelRead(msg);
        }

        @Override
        public void run() {
            if (!ctx.channel().isOpen()) {
                return;
            }
            long idle = System.nanoTime() - lastReadNanos;
            if (idle < periodNanos) {
                task = ctx.executor().schedule(this, periodNanos - idle, TimeUnit.NANOSECONDS);
                return;
            }
            task = null;
            ctx.fireExceptionCaught(new ConnectionFault((byte) 0x8D,
                    "no packet for 1.5 times its keep alive of " + seconds + " s (MQTT-3.1.2-24)"));
            if (ctx.channel().isActive()) {
                ctx.close(); // its CONNECT was still being authenticated: nobody answered the fault
            }
        }

        private void cancel() {
            if (task != null) {
                task.cancel(false);
                task = null;
            }
        }
    }
}
