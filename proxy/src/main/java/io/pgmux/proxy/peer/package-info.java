/**
 * Replicas of pgmux that act as one pooler ({@code peer_id}, {@code peers}): the layout of cancel
 * keys that name the replica that issued them ({@code PeerCancelKeys}), the current set of peers and
 * its periodic lookup off the event loops ({@code PeerDirectory}, {@code PeerSet}), and the routing of
 * a cancel request for another replica's client ({@code PeerCancels}). Uses {@code config} and
 * {@code net}; {@code client} asks it where a foreign cancel key goes.
 */
package io.pgmux.proxy.peer;
