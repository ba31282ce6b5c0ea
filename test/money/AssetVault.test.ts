import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { DEFAULT_ADMIN_ROLE } from "../../scripts/lib/alliance";
import { expectMissingRole } from "../helpers/behaviours";
import { ETH, REASON, TARGET, escrowFixture, fundedNeedFixture, openNeed, openNeedFixture } from "./donationFixture";

const ether = ethers.parseEther;

describe("AssetVault (through the donation escrow)", () => {
  describe("setAssetApproved", () => {
    it("lets the governor approve and unapprove a token; ETH is always approved", async () => {
      const f = await loadFixture(escrowFixture);
      const token = f.stranger.address;
      expect(await f.escrow.isAssetApproved(ETH)).to.equal(true);
      expect(await f.escrow.isAssetApproved(token)).to.equal(false);
      await expect(f.escrow.connect(f.governor).setAssetApproved(token, true))
        .to.emit(f.escrow, "AssetApproved")
        .withArgs(token, true);
      expect(await f.escrow.isAssetApproved(token)).to.equal(true);
      await expect(f.escrow.connect(f.governor).setAssetApproved(token, false))
        .to.emit(f.escrow, "AssetApproved")
        .withArgs(token, false);
      expect(await f.escrow.isAssetApproved(token)).to.equal(false);
    });

    it("refuses ETH and anyone but the governor", async () => {
      const f = await loadFixture(escrowFixture);
      await expect(f.escrow.connect(f.governor).setAssetApproved(ETH, false))
        .to.be.revertedWithCustomError(f.escrow, "VaultInvalidToken")
        .withArgs(ETH);
      for (const account of [f.regulatorA, f.guardian, f.hospital, f.stranger]) {
        await expectMissingRole(
          f.escrow.connect(account).setAssetApproved(f.stranger.address, true),
          f.escrow,
          account.address,
          DEFAULT_ADMIN_ROLE,
        );
      }
    });

    it("keeps refunds of a token open after its approval is withdrawn", async () => {
      const f = await loadFixture(escrowFixture);
      const asset = await f.token.getAddress();
      const request = { asset, maxUnitPrice: 10n };
      const needId = await openNeed(f, request);
      await (await f.escrow.connect(f.donorA).donate(needId, 10_000n)).wait();
      await (await f.escrow.connect(f.governor).setAssetApproved(asset, false)).wait();
      await (await f.escrow.connect(f.hospital).cancelNeed(needId, REASON)).wait();
      await expect(f.escrow.connect(f.donorA).refund(needId)).to.changeTokenBalance(f.token, f.donorA, 10_000n);
    });
  });

  describe("withdraw", () => {
    it("refuses an account with no credit", async () => {
      const f = await loadFixture(openNeedFixture);
      await expect(f.escrow.connect(f.stranger).withdraw(ETH))
        .to.be.revertedWithCustomError(f.escrow, "VaultNothingToWithdraw")
        .withArgs(ETH, f.stranger.address);
    });

    it("reverts when the account refuses ETH, keeping its credit", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const donor = await (await ethers.getContractFactory("ReentrantCaller")).deploy();
      const donate = f.escrow.interface.encodeFunctionData("donate", [f.needId, 5n]);
      await (await donor.execute(f.escrow, donate, { value: 5n })).wait();
      expect(await f.escrow.creditOf(ETH, donor)).to.equal(5n);
      await (await donor.setRejecting(true)).wait();
      const withdraw = f.escrow.interface.encodeFunctionData("withdraw", [ETH]);
      const failed = f.escrow.interface.encodeErrorResult("VaultEthTransferFailed", [await donor.getAddress(), 5n]);
      await expect(donor.execute(f.escrow, withdraw))
        .to.be.revertedWithCustomError(donor, "ReentrantCallerCallFailed")
        .withArgs(failed);
      await (await donor.setRejecting(false)).wait();
      await (await donor.execute(f.escrow, withdraw)).wait();
      expect(await donor.totalReceived()).to.equal(5n);
      expect(await f.escrow.creditOf(ETH, donor)).to.equal(0n);
    });

    it("refuses a re-entrant withdrawal inside a withdrawal", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const donor = await (await ethers.getContractFactory("ReentrantCaller")).deploy();
      await (
        await donor.execute(f.escrow, f.escrow.interface.encodeFunctionData("donate", [f.needId, 5n]), { value: 5n })
      ).wait();
      const withdraw = f.escrow.interface.encodeFunctionData("withdraw", [ETH]);
      await (await donor.arm(f.escrow, withdraw)).wait();
      await (await donor.execute(f.escrow, withdraw)).wait();
      expect(await donor.reentered()).to.equal(false);
      expect((await donor.reentryError()).slice(0, 10)).to.equal(
        f.escrow.interface.getError("ReentrancyGuardReentrantCall")!.selector,
      );
      expect(await donor.totalReceived()).to.equal(5n);
    });
  });

  describe("sweepSurplus", () => {
    it("sends forced ETH beyond what is owed to a treasury, never what is owed", async () => {
      const f = await loadFixture(fundedNeedFixture);
      const escrowBalance = await ethers.provider.getBalance(f.escrowAddress);
      expect(escrowBalance).to.equal(TARGET);
      await expect(f.escrow.connect(f.governor).sweepSurplus(ETH, f.stranger.address))
        .to.be.revertedWithCustomError(f.escrow, "VaultNoSurplus")
        .withArgs(ETH, TARGET, TARGET);
      await setBalance(f.escrowAddress, TARGET + ether("2"));
      expect(await f.escrow.connect(f.governor).sweepSurplus.staticCall(ETH, f.stranger.address)).to.equal(ether("2"));
      const tx = f.escrow.connect(f.governor).sweepSurplus(ETH, f.stranger.address);
      await expect(tx).to.emit(f.escrow, "SurplusSwept").withArgs(ETH, f.stranger.address, ether("2"));
      await expect(tx).to.changeEtherBalances([f.escrow, f.stranger], [-ether("2"), ether("2")]);
      expect(await ethers.provider.getBalance(f.escrowAddress)).to.equal(await f.escrow.owed(ETH));
    });

    it("sweeps stray tokens, even of a token never approved", async () => {
      const f = await loadFixture(escrowFixture);
      const stray = await (await ethers.getContractFactory("TestToken")).deploy("Stray", "STR", 18);
      await (await stray.mint(f.escrowAddress, 123n)).wait();
      await expect(f.escrow.connect(f.governor).sweepSurplus(stray, f.stranger.address))
        .to.emit(f.escrow, "SurplusSwept")
        .withArgs(await stray.getAddress(), f.stranger.address, 123n);
      expect(await stray.balanceOf(f.stranger.address)).to.equal(123n);
    });

    it("refuses a zero treasury and anyone but the governor", async () => {
      const f = await loadFixture(escrowFixture);
      await expect(f.escrow.connect(f.governor).sweepSurplus(ETH, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.escrow, "VaultInvalidTreasury")
        .withArgs(ethers.ZeroAddress);
      await expectMissingRole(
        f.escrow.connect(f.regulatorA).sweepSurplus(ETH, f.stranger.address),
        f.escrow,
        f.regulatorA.address,
        DEFAULT_ADMIN_ROLE,
      );
    });
  });
});
