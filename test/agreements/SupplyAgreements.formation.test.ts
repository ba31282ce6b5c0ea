import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { BusinessRole, roleMask } from "../../scripts/lib/alliance";
import {
  AgreementParty,
  AgreementStatus,
  PICK_UP_WINDOW,
  TermsDefect,
  buildTerms,
  fundingOf,
  hashTerms,
  minimumCollateral,
  propose,
  sign,
  fund,
  agreementRef,
  termsArgs,
} from "../../scripts/lib/agreements";
import { shouldBehaveLikeAllianceGated, shouldRespectAlliancePause } from "../helpers/behaviours";
import { MASK } from "../helpers/traceFixture";
import {
  type AgreementFixture,
  type ProposedFixture,
  agreementFixture,
  proposedFixture,
  signedFixture,
  expectError,
  TOKEN_UNIT,
  DAY,
} from "./agreementFixture";

const BUYERS = roleMask(BusinessRole.Hospital, BusinessRole.Agency);
const SIGNERS = roleMask(BusinessRole.Manufacturer, BusinessRole.Logistics, BusinessRole.Distributor);

describe("SupplyAgreements: formation", () => {
  describe("deployment", () => {
    it("wires the ledger and reports its version", async () => {
      const f = await loadFixture(agreementFixture);
      expect(await f.agreements.ledger()).to.equal(await f.ledger.getAddress());
      expect(await f.agreements.alliance()).to.equal(await f.registry.getAddress());
      expect(await f.agreements.version()).to.equal("1.0.0");
      expect(await f.agreements.PICK_UP_WINDOW()).to.equal(PICK_UP_WINDOW);
      expect(await f.agreements.agreementCount()).to.equal(0n);
    });

    it("refuses a zero ledger", async () => {
      const f = await loadFixture(agreementFixture);
      const factory = await ethers.getContractFactory("SupplyAgreements");
      await expect(factory.deploy(await f.registry.getAddress(), ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.agreements,
        "AgreementZeroAddress",
      );
    });

    it("hashes terms, names references and computes collateral floors as the off-chain helpers do", async () => {
      const f = await loadFixture(agreementFixture);
      expect(await f.agreements.hashTerms(f.terms)).to.equal(hashTerms(f.terms));
      expect(await f.agreements.agreementRef(7n)).to.equal(agreementRef(await f.agreements.getAddress(), 7n));
      expect(await f.agreements.minimumCollateral(f.terms)).to.equal(minimumCollateral(f.terms));
      // 1,000 masks at 0.0005 ETH: value 0.5 ETH; 10 % cap + 10 % defect = 0.1 ETH.
      expect(minimumCollateral(f.terms)).to.equal(ethers.parseEther("0.1"));
    });
  });

  describe("propose", () => {
    it("stores the terms' hash, returns sequential ids and emits the terms", async () => {
      const f = await loadFixture(agreementFixture);
      const hash = hashTerms(f.terms);
      expect(await f.agreements.connect(f.hospital).propose.staticCall(f.terms)).to.equal(1n);
      await expect(f.agreements.connect(f.hospital).propose(f.terms))
        .to.emit(f.agreements, "AgreementProposed")
        .withArgs(1n, f.hospitalOrgId, hash, termsArgs(f.terms));
      const v = await f.agreements.agreement(1n);
      expect(v.termsHash).to.equal(hash);
      expect(v.status).to.equal(AgreementStatus.Proposed);
      expect(v.buyer).to.equal(f.hospital.address);
      expect(await propose(f.agreements, f.hospital, f.terms)).to.equal(2n);
      expect(await f.agreements.agreementCount()).to.equal(2n);
    });

    it("accepts the agency as buyer", async () => {
      const f = await loadFixture(agreementFixture);
      const terms = { ...f.terms, buyerOrgId: f.agencyOrgId };
      await expect(f.agreements.connect(f.agency).propose(terms)).to.emit(f.agreements, "AgreementProposed");
    });

    it("accepts an approved token and refuses one the governor has not approved", async () => {
      const f = await loadFixture(agreementFixture);
      await expect(f.agreements.connect(f.hospital).propose({ ...f.terms, asset: await f.token.getAddress() })).not.to
        .be.reverted;
      const stray = await (await ethers.getContractFactory("TestToken")).deploy("Stray", "STR", 18);
      await expect(f.agreements.connect(f.hospital).propose({ ...f.terms, asset: await stray.getAddress() }))
        .to.be.revertedWithCustomError(f.agreements, "VaultAssetNotApproved")
        .withArgs(await stray.getAddress());
    });

    const invalid: [string, TermsDefect, (f: AgreementFixture) => object][] = [
      ["another buyer organisation", TermsDefect.Parties, (f) => ({ buyerOrgId: f.agencyOrgId })],
      ["no supplier", TermsDefect.Parties, () => ({ supplierOrgId: 0n })],
      ["no carrier", TermsDefect.Parties, () => ({ carrierOrgId: 0n })],
      ["the buyer as supplier", TermsDefect.Parties, (f) => ({ supplierOrgId: f.hospitalOrgId })],
      ["the buyer as carrier", TermsDefect.Parties, (f) => ({ carrierOrgId: f.hospitalOrgId })],
      ["the supplier as carrier", TermsDefect.Parties, (f) => ({ carrierOrgId: f.makerOrgId })],
      ["zero quantity", TermsDefect.Quantity, () => ({ quantity: 0n })],
      ["zero unit price", TermsDefect.Price, () => ({ unitPrice: 0n })],
      [
        "value and fee beyond 128 bits",
        TermsDefect.Price,
        () => ({ unitPrice: 2n ** 128n - 1n, quantity: 1n, carrierFee: 1n }),
      ],
      ["a deadline now", TermsDefect.Deadline, () => ({ handOverDeadline: 0n })],
      ["zero penalty period", TermsDefect.Periods, () => ({ penaltyPeriod: 0n })],
      ["zero inspection window", TermsDefect.Periods, () => ({ inspectionWindow: 0n })],
      ["zero ruling window", TermsDefect.Periods, () => ({ rulingWindow: 0n })],
      ["a penalty above 100 %", TermsDefect.BasisPoints, () => ({ penaltyBps: 10_001n })],
      ["a cap above 100 %", TermsDefect.BasisPoints, () => ({ penaltyCapBps: 10_001n })],
      ["a defect penalty above 100 %", TermsDefect.BasisPoints, () => ({ defectBps: 10_001n })],
      [
        "supplier collateral one wei short",
        TermsDefect.SupplierCollateral,
        (f) => ({
          supplierCollateral: f.terms.supplierCollateral - 1n,
        }),
      ],
      [
        "carrier collateral one wei short",
        TermsDefect.CarrierCollateral,
        (f) => ({
          carrierCollateral: f.terms.carrierCollateral - 1n,
        }),
      ],
    ];
    for (const [title, defect, change] of invalid) {
      it(`refuses terms with ${title}`, async () => {
        const f = await loadFixture(agreementFixture);
        await expectError(
          f,
          f.agreements.connect(f.hospital).propose({ ...f.terms, ...change(f) }),
          "AgreementInvalidTerms",
          defect,
        );
      });
    }

    it("accepts the exact collateral floor and a deadline one second ahead", async () => {
      const f = await loadFixture(agreementFixture);
      const next = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(next);
      await expect(f.agreements.connect(f.hospital).propose({ ...f.terms, handOverDeadline: next + 1n })).not.to.be
        .reverted;
      await time.setNextBlockTimestamp(next + 10n);
      await expectError(
        f,
        f.agreements.connect(f.hospital).propose({ ...f.terms, handOverDeadline: next + 10n }),
        "AgreementInvalidTerms",
        TermsDefect.Deadline,
      );
    });

    shouldBehaveLikeAllianceGated<AgreementFixture>({
      load: () => loadFixture(agreementFixture),
      context: (f) => ({
        registry: f.registry,
        regulators: [f.regulatorA, f.regulatorB],
        member: f.hospital,
        outsider: f.maker,
        applicant: f.applicant,
        freeAccounts: f.freeAccounts,
      }),
      gate: (f) => f.agreements,
      roleMask: BUYERS,
      // A deadline beyond every licence, so that the suite's time travel never makes the terms stale.
      send: (f, signer) =>
        f.agreements.connect(signer).propose({ ...f.terms, handOverDeadline: f.licenceExpiry + 3n * 365n * DAY }),
    });

    shouldRespectAlliancePause<ProposedFixture>({
      load: () => loadFixture(signedFixture),
      context: (f) => f,
      gate: (f) => f.agreements,
      actor: (f) => f.hospital,
      commit: (f, signer) => f.agreements.connect(signer).propose(f.terms),
      goesOn: [
        { title: "the supplier retracts", send: (f) => f.agreements.connect(f.maker).retract(f.id, f.terms) },
        { title: "the buyer cancels", send: (f) => f.agreements.connect(f.hospital).cancel(f.id, f.terms) },
      ],
    });
  });

  describe("sign", () => {
    it("takes the supplier's collateral in ETH and records its signature", async () => {
      const f = await loadFixture(proposedFixture);
      const c = f.terms.supplierCollateral;
      const tx = sign(f.agreements, f.maker, f.id, f.terms, c);
      await expect(tx)
        .to.emit(f.agreements, "AgreementSigned")
        .withArgs(f.id, AgreementParty.Supplier, f.maker.address, c);
      await expect(tx).to.changeEtherBalances([f.maker, f.agreements], [-c, c]);
      const v = await f.agreements.agreement(f.id);
      expect([v.supplierSigned, v.carrierSigned, v.supplier]).to.deep.equal([true, false, f.maker.address]);
      expect(await f.agreements.owed(ethers.ZeroAddress)).to.equal(c);
    });

    it("takes the carrier's collateral before the supplier's: either order", async () => {
      const f = await loadFixture(proposedFixture);
      await expect(sign(f.agreements, f.carrier, f.id, f.terms, f.terms.carrierCollateral))
        .to.emit(f.agreements, "AgreementSigned")
        .withArgs(f.id, AgreementParty.Carrier, f.carrier.address, f.terms.carrierCollateral);
      expect((await f.agreements.agreement(f.id)).carrier).to.equal(f.carrier.address);
    });

    it("takes token collateral by transferFrom", async () => {
      const f = await loadFixture(agreementFixture);
      const terms = buildTerms({ ...f.terms }, { asset: await f.token.getAddress(), unitPrice: TOKEN_UNIT });
      const id = await propose(f.agreements, f.hospital, terms);
      const c = terms.supplierCollateral;
      await expect(sign(f.agreements, f.maker, id, terms, c)).to.changeTokenBalances(
        f.token,
        [f.maker, f.agreements],
        [-c, c],
      );
      expect(await f.agreements.owed(await f.token.getAddress())).to.equal(c);
    });

    it("refuses a fee-on-transfer token that delivers less than the collateral", async () => {
      const f = await loadFixture(agreementFixture);
      const asset = await f.feeToken.getAddress();
      const terms = buildTerms({ ...f.terms }, { asset, unitPrice: TOKEN_UNIT });
      const id = await propose(f.agreements, f.hospital, terms);
      const c = terms.supplierCollateral;
      await expectError(f, sign(f.agreements, f.maker, id, terms, c), "AgreementShortPayment", asset, c, c - c / 100n);
    });

    it("refuses the wrong ETH amount", async () => {
      const f = await loadFixture(proposedFixture);
      await expect(sign(f.agreements, f.maker, f.id, f.terms, 1n))
        .to.be.revertedWithCustomError(f.agreements, "VaultWrongEthAmount")
        .withArgs(1n, f.terms.supplierCollateral);
    });

    it("refuses a hash other than the agreement's", async () => {
      const f = await loadFixture(proposedFixture);
      const wrong = ethers.id("other terms");
      await expectError(
        f,
        f.agreements.connect(f.maker).sign(f.id, wrong, f.terms, { value: f.terms.supplierCollateral }),
        "AgreementWrongTermsHash",
        f.id,
        hashTerms(f.terms),
        wrong,
      );
    });

    it("refuses terms that do not match, and unknown agreements", async () => {
      const f = await loadFixture(proposedFixture);
      const other = { ...f.terms, quantity: 999n };
      await expectError(f, sign(f.agreements, f.maker, f.id, other, 0n), "AgreementTermsMismatch", f.id);
      await expectError(f, sign(f.agreements, f.maker, 9n, f.terms, 0n), "AgreementTermsMismatch", 9n);
    });

    it("refuses a second signature by the same party", async () => {
      const f = await loadFixture(signedFixture);
      await expectError(
        f,
        sign(f.agreements, f.maker, f.id, f.terms, f.terms.supplierCollateral),
        "AgreementAlreadyDone",
        f.id,
        AgreementParty.Supplier,
      );
      await expectError(
        f,
        sign(f.agreements, f.carrier, f.id, f.terms, f.terms.carrierCollateral),
        "AgreementAlreadyDone",
        f.id,
        AgreementParty.Carrier,
      );
    });

    it("refuses organisations that are not the supplier or the carrier, or not in that role", async () => {
      const f = await loadFixture(proposedFixture);
      // Another carrier, the distributor (a supplier role, not this agreement's supplier).
      await expectError(
        f,
        sign(f.agreements, f.carrier2, f.id, f.terms, 0n),
        "AgreementNotParty",
        f.id,
        f.carrier2.address,
      );
      await expectError(
        f,
        sign(f.agreements, f.distributor, f.id, f.terms, 0n),
        "AgreementNotParty",
        f.id,
        f.distributor.address,
      );
      // The carrier organisation named as supplier signs as LOGISTICS only: not a supplier role.
      const swapped = { ...f.terms, supplierOrgId: f.carrierOrgId, carrierOrgId: f.carrier2OrgId };
      const id = await propose(f.agreements, f.hospital, swapped);
      await expectError(f, sign(f.agreements, f.carrier, id, swapped, 0n), "AgreementNotParty", id, f.carrier.address);
    });

    it("refuses the buyer and outsiders with AllianceUnauthorized", async () => {
      const f = await loadFixture(proposedFixture);
      for (const account of [f.hospital, f.freeAccounts[0], f.regulatorA]) {
        await expect(sign(f.agreements, account, f.id, f.terms, 0n))
          .to.be.revertedWithCustomError(f.agreements, "AllianceUnauthorized")
          .withArgs(account.address, SIGNERS);
      }
    });

    it("refuses once the agreement is active", async () => {
      const f = await loadFixture(signedFixture);
      await (await fund(f.agreements, f.hospital, f.id, f.terms)).wait();
      await expectError(
        f,
        sign(f.agreements, f.maker, f.id, f.terms, 0n),
        "AgreementUnexpectedStatus",
        f.id,
        AgreementStatus.Active,
      );
    });

    shouldRespectAlliancePause<ProposedFixture>({
      load: () => loadFixture(proposedFixture),
      context: (f) => f,
      gate: (f) => f.agreements,
      actor: (f) => f.maker,
      commit: (f, signer) => sign(f.agreements, signer, f.id, f.terms, f.terms.supplierCollateral),
    });
  });

  describe("retract", () => {
    it("credits the supplier's collateral back and clears its signature; it may sign again", async () => {
      const f = await loadFixture(signedFixture);
      const c = f.terms.supplierCollateral;
      const tx = f.agreements.connect(f.maker).retract(f.id, f.terms);
      await expect(tx)
        .to.emit(f.agreements, "SignatureRetracted")
        .withArgs(f.id, AgreementParty.Supplier, f.maker.address);
      await expect(tx).to.emit(f.agreements, "Credited").withArgs(ethers.ZeroAddress, f.maker.address, c);
      expect((await f.agreements.agreement(f.id)).supplierSigned).to.equal(false);
      expect(await f.agreements.creditOf(ethers.ZeroAddress, f.maker.address)).to.equal(c);
      await expect(f.agreements.connect(f.maker).withdraw(ethers.ZeroAddress)).to.changeEtherBalance(f.maker, c);
      await expect(sign(f.agreements, f.maker, f.id, f.terms, c)).to.emit(f.agreements, "AgreementSigned");
    });

    it("credits the carrier's collateral back", async () => {
      const f = await loadFixture(signedFixture);
      await expect(f.agreements.connect(f.carrier).retract(f.id, f.terms))
        .to.emit(f.agreements, "Credited")
        .withArgs(ethers.ZeroAddress, f.carrier.address, f.terms.carrierCollateral);
    });

    it("refuses a party that has not signed", async () => {
      const f = await loadFixture(proposedFixture);
      await expectError(
        f,
        f.agreements.connect(f.carrier).retract(f.id, f.terms),
        "AgreementNotDone",
        f.id,
        AgreementParty.Carrier,
      );
    });

    it("refuses once the agreement is active", async () => {
      const f = await loadFixture(signedFixture);
      await (await fund(f.agreements, f.hospital, f.id, f.terms)).wait();
      await expectError(
        f,
        f.agreements.connect(f.maker).retract(f.id, f.terms),
        "AgreementUnexpectedStatus",
        f.id,
        AgreementStatus.Active,
      );
    });
  });

  describe("fund", () => {
    it("takes the price and the fee and activates the agreement", async () => {
      const f = await loadFixture(signedFixture);
      const amount = fundingOf(f.terms);
      const tx = fund(f.agreements, f.hospital, f.id, f.terms);
      await expect(tx).to.emit(f.agreements, "AgreementFunded").withArgs(f.id, f.hospital.address, amount);
      await expect(tx).to.changeEtherBalances([f.hospital, f.agreements], [-amount, amount]);
      expect((await f.agreements.agreement(f.id)).status).to.equal(AgreementStatus.Active);
      expect(await f.agreements.owed(ethers.ZeroAddress)).to.equal(
        amount + f.terms.supplierCollateral + f.terms.carrierCollateral,
      );
    });

    it("refuses before the supplier or the carrier signed", async () => {
      const f = await loadFixture(proposedFixture);
      await expectError(
        f,
        fund(f.agreements, f.hospital, f.id, f.terms),
        "AgreementNotDone",
        f.id,
        AgreementParty.Supplier,
      );
      await (await sign(f.agreements, f.maker, f.id, f.terms, f.terms.supplierCollateral)).wait();
      await expectError(
        f,
        fund(f.agreements, f.hospital, f.id, f.terms),
        "AgreementNotDone",
        f.id,
        AgreementParty.Carrier,
      );
    });

    it("refuses another buyer organisation and other roles", async () => {
      const f = await loadFixture(signedFixture);
      await expectError(
        f,
        fund(f.agreements, f.hospital2, f.id, f.terms),
        "AgreementNotParty",
        f.id,
        f.hospital2.address,
      );
      await expect(fund(f.agreements, f.maker, f.id, f.terms))
        .to.be.revertedWithCustomError(f.agreements, "AllianceUnauthorized")
        .withArgs(f.maker.address, BUYERS);
    });

    it("refuses a short token payment", async () => {
      const f = await loadFixture(agreementFixture);
      const asset = await f.feeToken.getAddress();
      // Collateral posted in a fee token cannot arrive in full either; a zero-collateral agreement shows the fund path.
      const terms = buildTerms({ ...f.terms }, { asset, unitPrice: TOKEN_UNIT, penaltyCapBps: 0n, defectBps: 0n });
      const id = await propose(f.agreements, f.hospital, terms);
      await (await sign(f.agreements, f.maker, id, terms, 0n)).wait();
      await (await sign(f.agreements, f.carrier, id, terms, 0n)).wait();
      const amount = fundingOf(terms);
      await expectError(
        f,
        fund(f.agreements, f.hospital, id, terms),
        "AgreementShortPayment",
        asset,
        amount,
        amount - amount / 100n,
      );
    });

    shouldRespectAlliancePause<ProposedFixture>({
      load: () => loadFixture(signedFixture),
      context: (f) => f,
      gate: (f) => f.agreements,
      actor: (f) => f.hospital,
      commit: (f, signer) => fund(f.agreements, signer, f.id, f.terms),
    });
  });

  describe("cancel", () => {
    it("lets the buyer cancel at any time before funding; posted collateral is credited back", async () => {
      const f = await loadFixture(signedFixture);
      const tx = f.agreements.connect(f.hospital).cancel(f.id, f.terms);
      await expect(tx).to.emit(f.agreements, "AgreementCancelled").withArgs(f.id, f.hospital.address);
      await expect(tx)
        .to.emit(f.agreements, "Credited")
        .withArgs(ethers.ZeroAddress, f.maker.address, f.terms.supplierCollateral);
      await expect(tx)
        .to.emit(f.agreements, "Credited")
        .withArgs(ethers.ZeroAddress, f.carrier.address, f.terms.carrierCollateral);
      expect((await f.agreements.agreement(f.id)).status).to.equal(AgreementStatus.Cancelled);
    });

    it("cancels with nothing to credit when nobody signed", async () => {
      const f = await loadFixture(proposedFixture);
      await expect(f.agreements.connect(f.hospital).cancel(f.id, f.terms)).not.to.emit(f.agreements, "Credited");
    });

    it("lets the supplier or the carrier cancel only after the hand-over deadline", async () => {
      const f = await loadFixture(signedFixture);
      await time.setNextBlockTimestamp(f.deadline);
      await expectError(f, f.agreements.connect(f.maker).cancel(f.id, f.terms), "AgreementTooEarly", f.id, f.deadline);
      await time.setNextBlockTimestamp(f.deadline + 1n);
      await expect(f.agreements.connect(f.carrier).cancel(f.id, f.terms))
        .to.emit(f.agreements, "AgreementCancelled")
        .withArgs(f.id, f.carrier.address);
    });

    it("refuses other organisations and refuses twice", async () => {
      const f = await loadFixture(proposedFixture);
      await expectError(
        f,
        f.agreements.connect(f.hospital2).cancel(f.id, f.terms),
        "AgreementNotParty",
        f.id,
        f.hospital2.address,
      );
      await (await f.agreements.connect(f.hospital).cancel(f.id, f.terms)).wait();
      await expectError(
        f,
        f.agreements.connect(f.hospital).cancel(f.id, f.terms),
        "AgreementUnexpectedStatus",
        f.id,
        AgreementStatus.Cancelled,
      );
    });
  });

  it("fixture sanity: the deadline is ten days out and the product is the mask", async () => {
    const f = await loadFixture(agreementFixture);
    expect(f.deadline - BigInt(await time.latest())).to.be.greaterThan(9n * DAY);
    expect(f.terms.gtin).to.equal(MASK);
  });
});
